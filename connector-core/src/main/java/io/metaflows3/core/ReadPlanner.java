package io.metaflows3.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Plans a parallel read, for Beam and Spark alike: lists what to read (partitions pruned while listing,
 * manifests honoured, sizes and ETags taken from the listing, no HEAD per object) and packs it into
 * {@link ReadSplit}s near a target size: small objects together, large objects cut into byte ranges.
 */
public final class ReadPlanner {
  private final S3 s3;

  public ReadPlanner(S3 s3) {
    this.s3 = s3;
  }

  /**
   * Every object to read below each prefix (keys relative to the client's root, or URLs without one), in
   * prefix order then key order. Hidden objects (a segment starting with '_' or '.', as Spark and Hadoop
   * skip) are left out. Where a prefix holds manifests, exactly the objects they list are read. A prefix with
   * nothing below it is an error, unless a partition filter left nothing to read.
   */
  public List<ObjectRange> listPrefixes(List<String> prefixes, PartitionFilter filter) {
    List<S3Url> urls = prefixes.stream().map(s3::prefixUrl).toList();
    List<CompletableFuture<List<Lister.Listed>>> listings = new ArrayList<>();
    for (S3Url url : urls) {
      listings.add(s3.lister().recursive(url, filter));
    }
    List<ObjectRange> objects = new ArrayList<>();
    for (int i = 0; i < urls.size(); i++) {
      S3Url prefix = urls.get(i);
      List<Lister.Listed> listed = S3.join(listings.get(i), prefix);
      if (listed.isEmpty() && filter.isAll()) {
        throw new MetaflowS3NotFound("nothing to read below prefix", prefix.toString(), null);
      }
      objects.addAll(select(prefix, listed, filter));
    }
    return objects;
  }

  /** The given objects, whole, sized by parallel HEAD requests. */
  public List<ObjectRange> objects(List<String> keys) {
    List<ObjectRange> objects = new ArrayList<>();
    for (S3Object o : s3.infoMany(keys)) {
      objects.add(new ObjectRange(o.url(), o.size(), o.etag().orElse(null), 0, o.size(),
          HivePartitions.parse(o.key())));
    }
    return objects;
  }

  /**
   * Packs whole objects into splits of about {@code targetBytes}: objects are taken in order; a large one is
   * cut into ranges of {@code targetBytes}, small ones share a split until it would grow past the target.
   */
  public static List<ReadSplit> split(List<ObjectRange> objects, long targetBytes) {
    if (targetBytes <= 0) {
      throw new IllegalArgumentException("target split size must be positive, got " + targetBytes);
    }
    List<ReadSplit> splits = new ArrayList<>();
    List<ObjectRange> open = new ArrayList<>();
    long openBytes = 0;
    for (ObjectRange o : objects) {
      if (o.length() > targetBytes) {
        if (!open.isEmpty()) {
          splits.add(new ReadSplit(open));
          open = new ArrayList<>();
          openBytes = 0;
        }
        for (long at = o.start(); at < o.end(); at += targetBytes) {
          splits.add(new ReadSplit(List.of(new ObjectRange(o.url(), o.size(), o.etag(), at,
              Math.min(o.end(), at + targetBytes), o.partitionValues()))));
        }
        continue;
      }
      if (!open.isEmpty() && openBytes + o.length() > targetBytes) {
        splits.add(new ReadSplit(open));
        open = new ArrayList<>();
        openBytes = 0;
      }
      open.add(o);
      openBytes += o.length();
    }
    if (!open.isEmpty()) {
      splits.add(new ReadSplit(open));
    }
    return splits;
  }

  private List<ObjectRange> select(S3Url prefix, List<Lister.Listed> listed, PartitionFilter filter) {
    List<Lister.Listed> manifests = new ArrayList<>();
    Map<String, Lister.Listed> data = new HashMap<>();
    List<String> order = new ArrayList<>();
    for (Lister.Listed l : listed) {
      String key = l.url().relativeTo(prefix);
      if (Manifest.isManifest(key)) {
        manifests.add(l);
      } else if (!isHidden(key)) {
        data.put(key, l);
        order.add(key);
      }
    }
    List<String> chosen = manifests.isEmpty() ? order : listedIn(manifests, data, filter);
    List<ObjectRange> objects = new ArrayList<>();
    for (String key : chosen) {
      Lister.Listed l = data.get(key);
      objects.add(new ObjectRange(l.url().toString(), l.size(), l.etag(), 0, l.size(), HivePartitions.parse(key)));
    }
    return objects;
  }

  /** The keys the manifests list, in key order; each must exist unless its partition was pruned. */
  private List<String> listedIn(List<Lister.Listed> manifests, Map<String, Lister.Listed> data,
      PartitionFilter filter) {
    List<String> keys = new ArrayList<>();
    for (Lister.Listed m : manifests) {
      String text = new String(s3.readBytes(m.url(), 0, m.size(), m.etag()), StandardCharsets.UTF_8);
      for (Manifest.Entry e : Manifest.parse(text, m.url().toString())) {
        Lister.Listed l = data.get(e.key());
        if (l == null) {
          if (allowedByFilter(e.key(), filter)) {
            throw new MetaflowS3NotFound("a manifest lists an object that is missing (" + e.key() + ")",
                m.url().toString(), null);
          }
          continue;
        }
        if (l.size() != e.size()) {
          throw new MetaflowS3Exception("object size differs from its manifest entry (" + e.key() + ")",
              l.url().toString());
        }
        keys.add(e.key());
      }
    }
    keys.sort(null);
    return keys;
  }

  private static boolean allowedByFilter(String key, PartitionFilter filter) {
    return HivePartitions.parse(key).entrySet().stream().allMatch(e -> filter.allows(e.getKey(), e.getValue()));
  }

  private static boolean isHidden(String relativeKey) {
    for (String segment : relativeKey.split("/")) {
      if (segment.startsWith("_") || segment.startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
