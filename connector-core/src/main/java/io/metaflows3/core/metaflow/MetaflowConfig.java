package io.metaflows3.core.metaflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * metaflow's configuration, read as metaflow reads it ({@code from_conf}): a {@code METAFLOW_*} value comes from
 * the environment, else from the project's {@code .metaflow/config.json} (in the working folder or one above),
 * else from {@code $METAFLOW_HOME/config.json} ({@code ~/.metaflowconfig} by default; with
 * {@code METAFLOW_PROFILE=p}, {@code config_p.json}, which must then exist). So a metaflow user's machine
 * configures this client with no Java-specific setup.
 */
public final class MetaflowConfig {
  private static final JsonMapper JSON = new JsonMapper();
  private final Map<String, String> env;
  private final Map<String, String> local;
  private final Map<String, String> global;

  private MetaflowConfig(Map<String, String> env, Map<String, String> local, Map<String, String> global) {
    this.env = env;
    this.local = local;
    this.global = global;
  }

  /** The configuration of this process: its environment and working folder. */
  public static MetaflowConfig load() {
    return load(System.getenv(), Path.of("").toAbsolutePath());
  }

  /**
   * The configuration for an environment and a working folder, with the home folder Python's {@code expanduser}
   * takes: the environment's {@code HOME}, else the JVM's {@code user.home}.
   */
  public static MetaflowConfig load(Map<String, String> env, Path workingDir) {
    String home = env.get("HOME");
    return load(env, workingDir, Path.of(home == null ? System.getProperty("user.home") : home.isEmpty() ? "/" : home));
  }

  /**
   * The configuration for an environment, a working folder and a home folder.
   *
   * @throws MetaflowS3Exception when {@code METAFLOW_PROFILE} names a profile without a config file, or a config
   *     file is not a JSON object
   */
  public static MetaflowConfig load(Map<String, String> env, Path workingDir, Path home) {
    String metaflowHome = env.getOrDefault("METAFLOW_HOME", "~/.metaflowconfig");
    Path homeDir = metaflowHome.startsWith("~/") ? home.resolve(metaflowHome.substring(2)) : Path.of(metaflowHome);
    String profile = env.get("METAFLOW_PROFILE");
    Path global = homeDir.resolve(profile == null || profile.isEmpty() ? "config.json" : "config_" + profile + ".json");
    if (profile != null && !profile.isEmpty() && !Files.isRegularFile(global)) {
      throw new MetaflowS3Exception("Unable to locate METAFLOW_PROFILE '" + profile + "' in '" + homeDir + "'", null);
    }
    return new MetaflowConfig(Map.copyOf(env), readIfPresent(localConfig(workingDir)), readIfPresent(global));
  }

  /** Only the environment: for tests and for engines that pass settings explicitly. */
  public static MetaflowConfig ofEnvironment(Map<String, String> env) {
    return new MetaflowConfig(Map.copyOf(env), Map.of(), Map.of());
  }

  /**
   * {@code METAFLOW_<name>}, from the environment, the project's config or the user's, the first that has it; a
   * value set empty there overrides the rest and means none (metaflow reads an empty value as unset).
   */
  public Optional<String> get(String name) {
    return firstSetting(name).filter(value -> !value.isBlank());
  }

  /** Whether {@code METAFLOW_<name>} is set anywhere, even to an empty value. */
  public boolean isSet(String name) {
    return firstSetting(name).isPresent();
  }

  private Optional<String> firstSetting(String name) {
    String key = "METAFLOW_" + name;
    return java.util.stream.Stream.of(env, local, global).filter(source -> source.containsKey(key))
        .map(source -> source.get(key)).findFirst();
  }

  /** A JSON object setting such as {@code DATATOOLS_CLIENT_PARAMS}, as a map of its top-level values' text. */
  public Map<String, String> getObject(String name) {
    Optional<String> text = get(name);
    if (text.isEmpty()) {
      return Map.of();
    }
    try {
      return texts(JSON.readTree(text.get()), "METAFLOW_" + name);
    } catch (IOException e) {
      throw new MetaflowS3Exception("METAFLOW_" + name + " is not valid JSON", null, e);
    }
  }

  /** A value of the environment itself (for the AWS SDK's own variables, which metaflow leaves to boto3). */
  public String env(String name) {
    return env.get(name);
  }

  /** The project's {@code .metaflow/config.json}: in the working folder or the nearest one above with one. */
  private static Path localConfig(Path workingDir) {
    for (Path dir = workingDir; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(".metaflow"))) {
        return dir.resolve(".metaflow").resolve("config.json");
      }
    }
    return null;
  }

  private static Map<String, String> readIfPresent(Path file) {
    if (file == null || !Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      return texts(JSON.readTree(file.toFile()), "metaflow config " + file);
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read metaflow config " + file + " (" + e.getClass().getSimpleName()
          + ")", null, e);
    }
  }

  /** A JSON object's top-level values as text (strings as they are, anything else as its JSON). */
  private static Map<String, String> texts(JsonNode tree, String what) {
    if (!tree.isObject()) {
      throw new MetaflowS3Exception(what + " is not a JSON object", null);
    }
    Map<String, String> values = new LinkedHashMap<>();
    tree.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
        : e.getValue().toString()));
    return values;
  }
}
