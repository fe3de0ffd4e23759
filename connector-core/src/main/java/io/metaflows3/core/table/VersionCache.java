package io.metaflows3.core.table;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Table log versions a JVM has read, so loading a table again reads only the versions committed since: a version
 * is created once and never replaced. Keyed by client (so by credentials), URL and the ETag listed; the least
 * recently used are forgotten past a number of versions.
 */
final class VersionCache {
  private record Key(S3 client, String url, String etag) {}

  private final Map<Key, TableVersion> versions;

  VersionCache(int capacity) {
    this.versions = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, TableVersion> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The version read before from {@code listed} (the log folder's listing of it), or null. */
  synchronized TableVersion get(S3 s3, S3Object listed) {
    return listed.etag().map(etag -> versions.get(new Key(s3, listed.url(), etag))).orElse(null);
  }

  synchronized void put(S3 s3, S3Object listed, TableVersion version) {
    listed.etag().ifPresent(etag -> versions.put(new Key(s3, listed.url(), etag), version));
  }
}
