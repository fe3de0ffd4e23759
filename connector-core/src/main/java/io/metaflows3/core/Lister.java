package io.metaflows3.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * Lists prefixes. One level at a time uses the '/' delimiter. A recursive listing is one flat page when the
 * tree is small; a larger tree is listed one level and then every sub-prefix in parallel, so it is not
 * walked one page after another.
 */
final class Lister {
  /** One listing entry: an object with its size and ETag, or a common prefix. */
  record Listed(S3Url url, long size, String etag, Instant lastModified, boolean isPrefix) {}

  private static final Comparator<Listed> BY_KEY = Comparator.comparing(Listed::url);
  private final TransferEngine engine;

  Lister(TransferEngine engine) {
    this.engine = engine;
  }

  /** Objects and common prefixes directly below {@code prefix}, in key order. */
  CompletableFuture<List<Listed>> level(S3Url prefix) {
    return pages(prefix, "/", null, new ArrayList<>()).thenApply(l -> sorted(l));
  }

  /** Every object below {@code prefix}, in key order. */
  CompletableFuture<List<Listed>> recursive(S3Url prefix) {
    return recursive(prefix, PartitionFilter.ALL);
  }

  /**
   * Every object below {@code prefix} in partitions {@code filter} allows, in key order. A tree that fits in
   * one page (1,000 keys) costs one flat listing, filtered here. A larger one is walked instead: Hive-style
   * {@code column=value/} prefixes level by level, pruned before they are listed, and any other sub-prefix
   * listed whole, all of them in parallel.
   */
  CompletableFuture<List<Listed>> recursive(S3Url prefix, PartitionFilter filter) {
    return engine.listPage(prefix, null, null).thenCompose(page -> {
      if (Boolean.TRUE.equals(page.isTruncated())) {
        return walk(prefix, filter);
      }
      List<Listed> all = new ArrayList<>();
      collect(prefix, page, all);
      all.removeIf(entry -> !inAllowedPartitions(entry.url().relativeTo(prefix), filter));
      return CompletableFuture.completedFuture(sorted(all));
    });
  }

  /** The walk's rule for one key: its leading {@code column=value/} folders, up to the first other one. */
  private static boolean inAllowedPartitions(String relativeKey, PartitionFilter filter) {
    String[] folders = relativeKey.split("/", -1);
    for (int i = 0; i < folders.length - 1; i++) {
      String[] partition = HivePartitions.columnAndValue(folders[i]);
      if (partition == null) {
        return true;
      }
      if (!filter.allows(partition[0], partition[1])) {
        return false;
      }
    }
    return true;
  }

  private CompletableFuture<List<Listed>> walk(S3Url prefix, PartitionFilter filter) {
    return level(prefix).thenCompose(top -> {
      List<Listed> objects = new ArrayList<>();
      List<CompletableFuture<List<Listed>>> below = new ArrayList<>();
      for (Listed entry : top) {
        if (!entry.isPrefix()) {
          objects.add(entry);
          continue;
        }
        String folder = entry.url().relativeTo(prefix);
        String[] partition = HivePartitions.columnAndValue(folder.substring(0, folder.length() - 1));
        if (partition == null) {
          below.add(pages(entry.url(), null, null, new ArrayList<>()));
        } else if (filter.allows(partition[0], partition[1])) {
          below.add(walk(entry.url(), filter));
        }
      }
      return CompletableFuture.allOf(below.toArray(CompletableFuture[]::new)).thenApply(v -> {
        below.forEach(f -> objects.addAll(f.join()));
        return sorted(objects);
      });
    });
  }

  private CompletableFuture<List<Listed>> pages(S3Url prefix, String delimiter, String token, List<Listed> into) {
    return engine.listPage(prefix, delimiter, token).thenCompose(page -> {
      collect(prefix, page, into);
      return Boolean.TRUE.equals(page.isTruncated())
          ? pages(prefix, delimiter, page.nextContinuationToken(), into)
          : CompletableFuture.completedFuture(into);
    });
  }

  private static void collect(S3Url prefix, ListObjectsV2Response page, List<Listed> into) {
    page.contents().forEach(o -> into.add(new Listed(new S3Url(prefix.bucket(), o.key()), o.size(),
        o.eTag(), o.lastModified(), false)));
    page.commonPrefixes().forEach(p -> into.add(new Listed(new S3Url(prefix.bucket(), p.prefix()), -1, null,
        null, true)));
  }

  private static List<Listed> sorted(List<Listed> entries) {
    entries.sort(BY_KEY);
    return entries;
  }
}
