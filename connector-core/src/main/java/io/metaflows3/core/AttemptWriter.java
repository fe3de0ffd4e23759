package io.metaflows3.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the objects of one task attempt on a worker, each under a key unique to the attempt and created
 * with a conditional write, so nothing is ever overwritten. Uses the worker's client; does not own it.
 */
public final class AttemptWriter {
  private final WriteJob job;
  private final String attemptId;
  private final S3 s3;
  private final List<WrittenObject> written = new ArrayList<>();

  AttemptWriter(WriteJob job, S3 s3, String attemptId) {
    if (attemptId == null || !attemptId.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("attempt id must be letters, digits, '_', '.', '-': " + attemptId);
    }
    this.job = job;
    this.attemptId = attemptId;
    this.s3 = s3;
  }

  /** Stores {@code bytes} under the attempt's unique key for {@code name} (relative to the job's prefix). */
  public WrittenObject write(String name, byte[] bytes, String contentType) {
    return store(name, S3PutObject.of(name, bytes).withContentType(contentType), bytes.length);
  }

  /** Streams a local file to the attempt's unique key for {@code name}. */
  public WrittenObject writeFile(String name, Path file, String contentType) {
    try {
      return store(name, S3PutObject.ofFile(name, file).withContentType(contentType), Files.size(file));
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read " + file, null, e);
    }
  }

  private WrittenObject store(String name, S3PutObject object, long size) {
    String key = job.uniqueKey(name, attemptId);
    S3Url url = S3Url.parse(job.prefix()).resolve(key);
    if (s3.putUrl(url, object, true) == null) {
      throw new MetaflowS3Exception("key exists already: attempt ids must be unique per attempt", url.toString());
    }
    WrittenObject w = new WrittenObject(key, size);
    written.add(w);
    return w;
  }

  /** What this attempt wrote so far, in write order: its commit message. */
  public List<WrittenObject> written() {
    return List.copyOf(written);
  }

  /** Deletes what this attempt wrote: for a task that fails before its commit. */
  public void abort() {
    S3Url root = S3Url.parse(job.prefix());
    s3.deleteUrls(written.stream().map(w -> root.resolve(w.key())).toList());
    written.clear();
  }
}
