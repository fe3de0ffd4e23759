package io.metaflows3.core.api;

import java.io.Serializable;

/** What part of an object a result holds: {@code length} bytes from {@code offset} of {@code totalSize}. */
public record RangeInfo(long totalSize, long offset, long length) implements Serializable {}
