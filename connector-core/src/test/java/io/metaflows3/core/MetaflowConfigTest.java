package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.ServerSideEncryption;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.metaflow.MetaflowConfig;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** metaflow's configuration, read as metaflow reads it: environment, project config, user config, default. */
@ExtendWith(LocalS3Extension.class)
class MetaflowConfigTest {
  private final LocalS3Server server;

  MetaflowConfigTest(LocalS3Server server) {
    this.server = server;
  }

  @Test
  void valuesComeFromTheEnvironmentThenTheProjectThenTheUsersConfig(@TempDir Path dir) throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Files.createDirectories(home.resolve(".metaflowconfig"));
    Files.writeString(home.resolve(".metaflowconfig/config.json"), "{\"METAFLOW_S3_WORKER_COUNT\": \"12\", "
        + "\"METAFLOW_S3_RETRY_COUNT\": 3, \"METAFLOW_DATASTORE_SYSROOT_S3\": \"s3://user-bucket/mf\"}");
    Path project = Files.createDirectories(dir.resolve("project/sub"));
    Files.createDirectories(dir.resolve("project/.metaflow"));
    Files.writeString(dir.resolve("project/.metaflow/config.json"), "{\"METAFLOW_S3_WORKER_COUNT\": \"8\"}");

    MetaflowConfig config = MetaflowConfig.load(Map.of("METAFLOW_S3_TRANSIENT_RETRY_COUNT", "5"), project, home);
    S3Settings settings = S3Settings.fromConfig(config);
    assertEquals(8, settings.maxInFlight(), "the project's config wins over the user's");
    assertEquals(6, settings.maxAttempts(), "one more than the larger of the retry counts");
    try (S3 s3 = S3.builder().config(config).run(FlowRun.of("F", "1")).build()) {
      assertEquals("s3://user-bucket/mf/data/F/1/", s3.root().orElseThrow(), "sysroot + DATATOOLS_SUFFIX");
    }
    MetaflowConfig env = MetaflowConfig.load(Map.of("METAFLOW_S3_WORKER_COUNT", "3",
        "METAFLOW_DATATOOLS_SUFFIX", "tools"), project, home);
    assertEquals(3, S3Settings.fromConfig(env).maxInFlight(), "the environment wins over every file");
    try (S3 s3 = S3.builder().config(env).run(FlowRun.of("F", "1")).build()) {
      assertEquals("s3://user-bucket/mf/tools/F/1/", s3.root().orElseThrow());
    }
  }

  @Test
  void profilesHomesAndJsonParameters(@TempDir Path dir) throws Exception {
    Path metaflowHome = Files.createDirectories(dir.resolve("mfhome"));
    Files.writeString(metaflowHome.resolve("config_dev.json"), "{\"METAFLOW_DATATOOLS_S3ROOT\": \"s3://dev/data\", "
        + "\"METAFLOW_DATATOOLS_CLIENT_PARAMS\": {\"endpoint_url\": \"" + server.endpoint() + "\", "
        + "\"region_name\": \"eu-west-1\"}, \"METAFLOW_S3_SERVER_SIDE_ENCRYPTION\": \"AES256\", "
        + "\"METAFLOW_DATATOOLS_SESSION_VARS\": {\"profile_name\": \"analytics\"}}");
    Map<String, String> env = Map.of("METAFLOW_HOME", metaflowHome.toString(), "METAFLOW_PROFILE", "dev");
    MetaflowConfig config = MetaflowConfig.load(env, dir, dir);
    S3Settings settings = S3Settings.fromConfig(config);
    assertEquals(server.endpoint().toString(), settings.endpoint(), "client params' endpoint_url");
    assertEquals("eu-west-1", settings.region());
    assertEquals("analytics", settings.profile());
    assertEquals(ServerSideEncryption.of("AES256"), settings.serverSideEncryption());
    try (S3 s3 = S3.builder().config(config).build()) {
      assertEquals("s3://dev/data/F/2/", S3.builder().config(config).run(FlowRun.of("F", "2")).resolveRoot()
          .orElseThrow());
    }
    MetaflowS3Exception missing = assertThrows(MetaflowS3Exception.class, () -> MetaflowConfig.load(
        Map.of("METAFLOW_HOME", metaflowHome.toString(), "METAFLOW_PROFILE", "prod"), dir, dir));
    assertEquals(true, missing.getMessage().contains("Unable to locate METAFLOW_PROFILE 'prod'"), missing.getMessage());
    assertThrows(IllegalArgumentException.class, () -> S3Settings.fromConfig(MetaflowConfig.ofEnvironment(
        Map.of("METAFLOW_S3_WORKER_COUNT", "many"))));
    assertThrows(IllegalArgumentException.class, () -> S3Settings.fromConfig(MetaflowConfig.ofEnvironment(
        Map.of("METAFLOW_S3_SERVER_SIDE_ENCRYPTION", "rot13"))));
  }
}
