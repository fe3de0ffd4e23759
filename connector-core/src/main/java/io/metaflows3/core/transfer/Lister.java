package io.metaflows3.core.transfer;

import io.metaflows3.core.api.S3Url;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * Lists prefixes. One level at a time uses the '/' delimiter. A recursive listing is one flat page when the
 * tree is small; a larger tree is listed one level and then every sub-prefix in parallel, so it is not
 * walked one page after another, and partition folders a reader does not want are never listed.
 */
public final class Lister {
  /** One listing entry: an object with its size and ETag, or a common prefix. */
  public record Listed(S3Url url, long size, String etag, Instant lastModified, boolean isPrefix) {}

  private static final Comparator<Listed> BY_KEY = Comparator.comparing(Listed::url);
  private final TransferEngine engine;

  public Lister(TransferEngine engine) {
    this.engine = engine;
  }

  /** Objects and common prefixes directly below {@code prefix}, in key order. */
  public CompletableFuture<List<Listed>> level(S3Url prefix) {
    return pages(prefix, "/", null, null, new ArrayList<>()).thenApply(l -> sorted(l));
  }

  /**
   * Objects and common prefixes directly below {@code prefix} whose keys are at or after {@code from} (a key in
   * that folder), in key order: S3 starts the listing there, so a long folder is not listed from its start.
   */
  public CompletableFuture<List<Listed>> levelFrom(S3Url prefix, String from) {
    // S3's start-after is exclusive: start after the key less its last character (which sorts before it), and
    // drop the few keys between the two.
    String startAfter = from.substring(0, from.length() - 1);
    return pages(prefix, "/", null, startAfter, new ArrayList<>())
        .thenApply(l -> sorted(new ArrayList<>(l.stream().filter(e -> e.url().key().compareTo(from) >= 0).toList())));
  }

  /** Every object below {@code prefix}, in key order. */
  public CompletableFuture<List<Listed>> recursive(S3Url prefix) {
    return recursive(prefix, folder -> true);
  }

  /**
   * Every object below {@code prefix}, in key order, except below partition folders {@code descend} refuses.
   * A tree that fits in one page (1,000 keys) costs one flat listing and is returned whole (callers filter
   * what they read). A larger one is walked instead: {@code column=value/} folders level by level, each
   * offered to {@code descend} (with its path relative to {@code prefix}) before it is listed, and any other
   * folder listed whole, all of them in parallel.
   */
  public CompletableFuture<List<Listed>> recursive(S3Url prefix, Predicate<String> descend) {
    return engine.listPage(prefix, null, null).thenCompose(page -> {
      if (Boolean.TRUE.equals(page.isTruncated())) {
        return walk(prefix, prefix, descend);
      }
      List<Listed> all = new ArrayList<>();
      collect(prefix, page, all);
      return CompletableFuture.completedFuture(sorted(all));
    });
  }

  private CompletableFuture<List<Listed>> walk(S3Url top, S3Url prefix, Predicate<String> descend) {
    return level(prefix).thenCompose(entries -> {
      List<Listed> objects = new ArrayList<>();
      List<CompletableFuture<List<Listed>>> below = new ArrayList<>();
      for (Listed entry : entries) {
        if (!entry.isPrefix()) {
          objects.add(entry);
          continue;
        }
        String folder = entry.url().relativeTo(prefix);
        if (folder.indexOf('=') <= 0) {
          below.add(pages(entry.url(), null, null, null, new ArrayList<>()));
        } else if (descend.test(entry.url().relativeTo(top))) {
          below.add(walk(top, entry.url(), descend));
        }
      }
      return CompletableFuture.allOf(below.toArray(CompletableFuture[]::new)).thenApply(v -> {
        below.forEach(f -> objects.addAll(f.join()));
        return sorted(objects);
      });
    });
  }

  private CompletableFuture<List<Listed>> pages(S3Url prefix, String delimiter, String token, String startAfter,
      List<Listed> into) {
    return engine.listPage(prefix, delimiter, token, startAfter).thenCompose(page -> {
      collect(prefix, page, into);
      return Boolean.TRUE.equals(page.isTruncated())
          ? pages(prefix, delimiter, page.nextContinuationToken(), startAfter, into)
          : CompletableFuture.completedFuture(into);
    });
  }

  /**
   * Adds a page's entries; a zero-byte folder marker named like the prefix itself is the folder, not an entry
   * below it (an object of that name that holds data is an entry, as metaflow lists it).
   */
  private static void collect(S3Url prefix, ListObjectsV2Response page, List<Listed> into) {
    page.contents().stream().filter(o -> !(o.key().equals(prefix.key()) && o.size() == 0)).forEach(o -> into.add(new Listed(
        new S3Url(prefix.bucket(), o.key()), o.size(), o.eTag(), o.lastModified(), false)));
    page.commonPrefixes().forEach(p -> into.add(new Listed(new S3Url(prefix.bucket(), p.prefix()), -1, null,
        null, true)));
  }

  private static List<Listed> sorted(List<Listed> entries) {
    entries.sort(BY_KEY);
    return entries;
  }
}
