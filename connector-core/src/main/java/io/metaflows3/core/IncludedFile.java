package io.metaflows3.core;

/** A local file included into a run (metaflow's IncludeFile): where it is stored and its content's SHA-1. */
public record IncludedFile(String url, String sha1, long size) {}
