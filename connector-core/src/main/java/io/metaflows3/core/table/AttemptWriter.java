package io.metaflows3.core.table;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Url;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Writes the objects of one task attempt on a worker, each under a key unique to the attempt and created
 * with a conditional write, so nothing is ever overwritten. Uses the worker's client; does not own it.
 */
public final class AttemptWriter {
  private final TableWrite write;
  private final String attemptId;
  private final S3 s3;
  private final Map<String, WrittenObject> written = new LinkedHashMap<>();

  AttemptWriter(TableWrite write, S3 s3, String attemptId) {
    if (attemptId == null || !attemptId.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("attempt id must be letters, digits, '_', '.', '-': " + attemptId);
    }
    this.write = write;
    this.attemptId = attemptId;
    this.s3 = s3;
  }

  /** The URL an object this attempt wrote is stored at. */
  public String url(WrittenObject object) {
    return write.table() + object.key();
  }

  /** Stores {@code bytes} under the attempt's unique key for {@code name} (relative to the table). */
  public WrittenObject write(String name, byte[] bytes, String contentType) {
    return S3.await(writeAsync(name, bytes, contentType));
  }

  /**
   * The same without waiting, for writers that keep many puts in flight; the name is taken at once (a second
   * write of it fails here), and the object counts as written (for {@link #abort}) from now on.
   */
  public CompletableFuture<WrittenObject> writeAsync(String name, byte[] bytes, String contentType) {
    return store(name, bytes.length, Map.of(), null, key -> S3PutObject.of(key, bytes).withContentType(contentType));
  }

  /** Streams a local file to the attempt's unique key for {@code name}. */
  public WrittenObject writeFile(String name, Path file, String contentType) {
    return S3.await(store(name, size(file), Map.of(), null,
        key -> S3PutObject.ofFile(key, file).withContentType(contentType)));
  }

  /**
   * Streams a Parquet file of the table's data columns to the attempt's unique key for {@code name}, with the
   * row's {@code partitionValues} (Delta's text of each value, null for null) and the statistics its footer gives
   * (row count, each column's min, max and null count), read here before it is stored.
   */
  public WrittenObject writeDataFile(String name, Path file, Map<String, String> partitionValues) {
    String stats = write.statistics(file);
    return S3.await(store(name, size(file), partitionValues, stats,
        key -> S3PutObject.ofFile(key, file).withContentType("application/vnd.apache.parquet")));
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read " + file, null, e);
    }
  }

  private CompletableFuture<WrittenObject> store(String name, long size, Map<String, String> partitionValues,
      String stats, Function<String, S3PutObject> object) {
    if (written.containsKey(name)) {
      throw new MetaflowS3Exception("'" + name + "' is written twice in one write: keys must be unique",
          write.table() + name);
    }
    String key = write.uniqueKey(name, attemptId);
    S3Url url = S3Url.parse(write.table()).resolve(key);
    String clientKey = TableLog.keyFor(s3, url);
    WrittenObject w = new WrittenObject(name, key, size, partitionValues, stats);
    written.put(name, w);
    return s3.putAsync(object.apply(clientKey), PutOption.NO_OVERWRITE).thenCompose(stored -> stored != null
        ? CompletableFuture.completedFuture(w)
        // The key is this attempt's alone: if it exists, an answer to this very upload was lost and the SDK's
        // retry found the object stored. Its size says so (asked off the client's threads); anything else is
        // another writer using this attempt's id.
        : CompletableFuture.supplyAsync(() -> {
          if (s3.info(clientKey).size() != size) {
            throw new MetaflowS3Exception("key exists already with other content: attempt ids must be unique per "
                + "attempt", url.toString());
          }
          return w;
        }));
  }

  /** What this attempt wrote so far, in write order: its commit message. */
  public List<WrittenObject> written() {
    return List.copyOf(written.values());
  }

  /** Deletes what this attempt wrote: for a task that fails before its commit. */
  public void abort() {
    S3Url root = S3Url.parse(write.table());
    s3.deleteMany(new ArrayList<>(written.values()).stream()
        .map(w -> TableLog.keyFor(s3, root.resolve(w.key()))).toList());
    written.clear();
  }
}
