package io.metaflows3.hadoop;

import io.metaflows3.core.api.S3Settings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;

/**
 * How a Hadoop configuration carries connector settings: {@code metaflow.s3.<option>} entries, with the option
 * names of {@link S3Settings#fromOptions} (endpoint, region, maxInFlight, ...), on top of this machine's metaflow
 * configuration. Hadoop's file system cache ignores a configuration's entries, so the cache is turned off for
 * {@code s3://}: file systems are cheap here, as they share one client per settings ({@link
 * io.metaflows3.core.SharedClients}).
 */
public final class FileSystemSettings {
  public static final String PREFIX = "metaflow.s3.";
  private static final Map<Map<String, String>, S3Settings> PARSED = new ConcurrentHashMap<>();

  private FileSystemSettings() {}

  /** The configuration entries that make {@code s3://} paths use {@link MetaflowS3FileSystem} with {@code settings}. */
  public static Map<String, String> entries(S3Settings settings) {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("fs." + MetaflowS3FileSystem.SCHEME + ".impl", MetaflowS3FileSystem.class.getName());
    entries.put("fs." + MetaflowS3FileSystem.SCHEME + ".impl.disable.cache", "true");
    settings.toOptions().forEach((name, value) -> entries.put(PREFIX + name, value));
    return entries;
  }

  /** Sets {@link #entries} in {@code conf}. */
  public static void apply(Configuration conf, S3Settings settings) {
    entries(settings).forEach(conf::set);
  }

  /** The settings {@code conf} carries (parsed once per distinct set of entries). */
  static S3Settings of(Configuration conf) {
    Map<String, String> options = Map.copyOf(conf.getPropsWithPrefix(PREFIX));
    return PARSED.computeIfAbsent(options, o -> S3Settings.fromOptions(o, S3Settings.defaults()));
  }
}
