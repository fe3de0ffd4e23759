package io.metaflows3.coordinates;

import io.metaflows3.beam.MetaflowS3IO;
import io.metaflows3.local.LocalS3Server;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * A Beam user's pipeline on the set of versions this project resolves: a write and a read with the connector,
 * configured by the pipeline's AwsOptions, and Beam's own S3 file system matching the same objects, one JVM.
 */
class BeamUserTest {
  /** Beam's S3 clients with path-style addressing, as a local endpoint needs. */
  public static final class PathStyleClients implements S3ClientBuilderFactory {
    @Override
    public S3ClientBuilder createBuilder(S3Options options) {
      return new DefaultS3ClientBuilderFactory().createBuilder(options).forcePathStyle(true);
    }
  }

  private static S3Options options(URI endpoint) {
    S3Options options = PipelineOptionsFactory.as(S3Options.class);
    options.setRunner(DirectRunner.class);
    options.setEndpoint(endpoint);
    options.setAwsRegion(Region.US_EAST_1);
    options.setAwsCredentialsProvider(StaticCredentialsProvider.create(
        AwsBasicCredentials.create(LocalS3Server.ACCESS_KEY_ID, LocalS3Server.SECRET_ACCESS_KEY)));
    options.setS3ClientFactoryClass(PathStyleClients.class);
    return options;
  }

  @Test
  void writesAndReadsBesideBeamsOwnS3FileSystem(@TempDir Path folder) throws Exception {
    try (LocalS3Server server = LocalS3Server.start(folder, 0)) {
      String prefix = "s3://" + server.bucket() + "/user/";
      Pipeline write = Pipeline.create(options(server.endpoint()));
      write.apply(Create.of(KV.of("a.txt", "one\n".getBytes(StandardCharsets.UTF_8)),
              KV.of("b.txt", "two\n".getBytes(StandardCharsets.UTF_8)))
              .withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
          .apply(MetaflowS3IO.write().to(prefix));
      write.run().waitUntilFinish();

      Pipeline read = Pipeline.create(options(server.endpoint()));
      PAssert.that(read.apply(MetaflowS3IO.read().from(prefix).asLines())).containsInAnyOrder("one", "two");
      PAssert.thatSingleton(read.apply(FileIO.match().filepattern(prefix + "*.txt")).apply(Count.globally()))
          .isEqualTo(2L);
      read.run().waitUntilFinish();
    }
  }
}
