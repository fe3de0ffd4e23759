package io.metaflows3.core;

import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One write of many tasks below one prefix, without renames and without races. Made on the driver and
 * shipped to workers (it is serializable and holds no client): each task attempt writes keys unique to it
 * through an {@link AttemptWriter}, never overwriting anything; {@link #commit} then stores a manifest
 * listing exactly the committed objects, so readers never see the objects of failed or duplicate attempts,
 * which commit and {@link #abort} delete best-effort.
 */
public final class WriteJob implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(WriteJob.class);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
      .withZone(ZoneOffset.UTC);

  private final S3Settings settings;
  private final String prefix;
  private final String writeId;
  private final boolean replace;

  private WriteJob(S3Settings settings, String prefix, String writeId, boolean replace) {
    this.settings = settings;
    this.prefix = prefix;
    this.writeId = writeId;
    this.replace = replace;
  }

  /**
   * A write below {@code prefixUrl} (a full, usually run-versioned {@code s3://} prefix). With
   * {@code replace}, committing hides what earlier writes committed there (Spark's overwrite mode);
   * otherwise it adds to it (append).
   */
  public static WriteJob create(S3Settings settings, String prefixUrl, boolean replace) {
    S3Url url = S3Url.parse(prefixUrl).asPrefix();
    String writeId = STAMP.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
    return new WriteJob(settings, url.toString(), writeId, replace);
  }

  public S3Settings settings() {
    return settings;
  }

  /** The prefix written below, ending with '/'. */
  public String prefix() {
    return prefix;
  }

  public String writeId() {
    return writeId;
  }

  /**
   * A writer for one task attempt, using the worker's client {@code s3} (built from {@link #settings()});
   * {@code attemptId} must differ between attempts (e.g. Spark's task id, or a random id per Beam bundle).
   */
  public AttemptWriter openAttempt(S3 s3, String attemptId) {
    return new AttemptWriter(this, s3, attemptId);
  }

  /**
   * The key an attempt writes for {@code name}: the attempt and write ids go before the extension, so
   * {@code country=US/model.json} becomes {@code country=US/model-<attempt>-<writeId>.json}.
   */
  String uniqueKey(String name, String attemptId) {
    S3Url.checkRelativeKey(name, prefix);
    int slash = name.lastIndexOf('/');
    int dot = name.lastIndexOf('.');
    String tag = "-" + attemptId + "-" + writeId;
    return dot > slash + 1 ? name.substring(0, dot) + tag + name.substring(dot) : name + tag;
  }

  /**
   * Stores the manifest of {@code committed} objects, then deletes this write's debris (objects of attempts
   * that were not committed) and, when replacing, the manifests of earlier writes. Returns the manifest URL.
   */
  public String commit(List<WrittenObject> committed) {
    List<WrittenObject> sorted = new ArrayList<>(committed);
    sorted.sort((a, b) -> a.key().compareTo(b.key()));
    List<Manifest.Entry> entries = sorted.stream().map(o -> new Manifest.Entry(o.key(), o.size())).toList();
    try (S3 s3 = S3.builder().settings(settings).environment(java.util.Map.of()).build()) {
      S3Url manifest = S3Url.parse(prefix).resolve(Manifest.name(writeId));
      String text = Manifest.render(entries);
      if (s3.putUrl(manifest, S3PutObject.of(manifest.key(), text), true) == null
          && !s3.readText(manifest).equals(text)) {
        // The same commit retried is fine; a different list under the same write id is not.
        throw new MetaflowS3Exception("this write was committed already, with other objects", manifest.toString());
      }
      Set<String> keep = new HashSet<>();
      sorted.forEach(o -> keep.add(o.key()));
      deleteBestEffort(s3, key -> key.contains("-" + writeId) && !keep.contains(key)
          && !key.equals(Manifest.name(writeId))
          || replace && Manifest.isManifest(key) && !key.equals(Manifest.name(writeId)));
      LOG.info("committed write {} below {}: {} objects", writeId, prefix, sorted.size());
      return manifest.toString();
    }
  }

  /** Deletes every object this write made (best effort): the job failed, so none of it may be read. */
  public void abort() {
    try (S3 s3 = S3.builder().settings(settings).environment(java.util.Map.of()).build()) {
      deleteBestEffort(s3, key -> key.contains("-" + writeId));
    }
    LOG.info("aborted write {} below {}", writeId, prefix);
  }

  private void deleteBestEffort(S3 s3, java.util.function.Predicate<String> doomed) {
    try {
      S3Url root = S3Url.parse(prefix);
      List<S3Url> urls = S3.join(s3.lister().recursive(root), root).stream()
          .map(Lister.Listed::url).filter(u -> doomed.test(u.relativeTo(root))).toList();
      s3.deleteUrls(urls);
    } catch (MetaflowS3Exception e) {
      // Readers follow the manifest, so leftovers are never read; they only cost storage.
      LOG.warn("could not clean up below {}: {}", prefix, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "WriteJob[" + prefix + ", writeId=" + writeId + (replace ? ", replace" : ", append") + "]";
  }
}
