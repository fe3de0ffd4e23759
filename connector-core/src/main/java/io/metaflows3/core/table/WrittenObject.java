package io.metaflows3.core.table;

import java.io.Serializable;

/**
 * An object a task attempt wrote: the name it was asked to write (relative to the table), the key it was
 * stored under (the name made unique to the attempt), and its size.
 */
public record WrittenObject(String name, String key, long size) implements Serializable {}
