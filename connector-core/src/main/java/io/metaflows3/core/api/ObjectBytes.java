package io.metaflows3.core.api;

/**
 * A byte range of an object read into memory, with the object's info from the response (content type,
 * metadata, last modified, ETag and where the range lies). For engine readers, which hold what they read in
 * memory anyway; metaflow.S3's own results stay file-backed.
 */
public record ObjectBytes(S3Object info, byte[] bytes) {}
