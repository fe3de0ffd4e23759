package io.metaflows3.core.table;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Table log files a JVM has read (versions, checkpoints), so loading a table again reads only what was committed
 * since: a log file is created once and never replaced. Keyed by client (so by credentials), URL and the ETag
 * listed; the least recently used are forgotten past a number of files.
 */
final class LogFileCache<T> {
  private record Key(S3 client, String url, String etag) {}

  private final Map<Key, T> files;

  LogFileCache(int capacity) {
    this.files = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, T> eldest) {
        return size() > capacity;
      }
    };
  }

  /** What was read before from {@code listed} (the log folder's listing of it), or null. */
  synchronized T get(S3 s3, S3Object listed) {
    return listed.etag().map(etag -> files.get(new Key(s3, listed.url(), etag))).orElse(null);
  }

  synchronized void put(S3 s3, S3Object listed, T value) {
    listed.etag().ifPresent(etag -> files.put(new Key(s3, listed.url(), etag), value));
  }
}
