package io.metaflows3.beam;

import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.ServerSideEncryption;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A transform's client settings: those given with {@code withSettings}, else the pipeline's. Where the pipeline
 * has Beam's AWS IO ({@code beam-sdks-java-io-amazon-web-services2}), its {@code AwsOptions} and {@code S3Options}
 * (endpoint, static credentials, server-side encryption; the region where metaflow's configuration names none)
 * lie over metaflow's configuration, as Beam's own S3 file system takes them.
 */
final class PipelineSettings {
  private static final boolean AWS_IO = onClasspath("org.apache.beam.sdk.io.aws2.options.AwsOptions");

  private PipelineSettings() {}

  static S3Settings resolve(@Nullable S3Settings given, @Nullable PipelineOptions options) {
    if (given != null) {
      return given;
    }
    S3Settings configured = S3Settings.defaults();
    return options == null || !AWS_IO ? configured : FromAwsOptions.over(configured, options);
  }

  private static boolean onClasspath(String className) {
    try {
      Class.forName(className, false, PipelineSettings.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Loaded only where Beam's AWS IO is there (the classes it names are then resolvable). */
  private static final class FromAwsOptions {
    static S3Settings over(S3Settings configured, PipelineOptions options) {
      AwsOptions aws = options.as(AwsOptions.class);
      S3Options s3 = options.as(S3Options.class);
      S3Settings.Builder b = configured.toBuilder();
      if (aws.getEndpoint() != null) {
        b.endpoint(aws.getEndpoint().toString());
      }
      if (configured.region() == null) {
        try {
          b.region(aws.getAwsRegion().id());
        } catch (RuntimeException noneConfigured) {
          // the SDK's own chain finds none either: the client's default applies
        }
      }
      if (aws.getAwsCredentialsProvider() instanceof StaticCredentialsProvider fixed) {
        AwsCredentials c = fixed.resolveCredentials();
        b.credentials(c.accessKeyId(), c.secretAccessKey(),
            c instanceof AwsSessionCredentials session ? session.sessionToken() : null);
      }
      if (s3.getSSEKMSKeyId() != null) {
        b.serverSideEncryption(ServerSideEncryption.kms(s3.getSSEKMSKeyId()));
      } else if (s3.getSSEAlgorithm() != null) {
        b.serverSideEncryption(ServerSideEncryption.of(s3.getSSEAlgorithm()));
      }
      return b.build();
    }
  }
}
