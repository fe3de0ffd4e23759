package io.metaflows3.core;

import java.io.Serializable;

/** An object a task attempt wrote: its key relative to the write's prefix, and its size. */
public record WrittenObject(String key, long size) implements Serializable {}
