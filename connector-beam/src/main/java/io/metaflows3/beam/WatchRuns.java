package io.metaflows3.beam;

import com.google.auto.value.AutoValue;
import io.metaflows3.core.FlowRun;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads every run of a flow, and each new run as it appears: Beam's {@link Watch} polls the flow's runs under
 * the datatools root (those showing committed data, as {@code S3.runs} finds them), emits each run's prefix
 * once, and {@link MetaflowS3IO#readAll()} reads it. Unbounded unless a termination is given, so a streaming
 * pipeline trains on each new run.
 */
@AutoValue
public abstract class WatchRuns extends PTransform<PBegin, PCollection<MetaflowS3Object>> {
  abstract String getFlow();

  abstract S3Settings getSettings();

  abstract @Nullable String getS3root();

  abstract Duration getPollInterval();

  abstract Watch.Growth.TerminationCondition<String, ?> getTermination();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setFlow(String flow);

    abstract Builder setSettings(S3Settings settings);

    abstract Builder setS3root(@Nullable String s3root);

    abstract Builder setPollInterval(Duration interval);

    abstract Builder setTermination(Watch.Growth.TerminationCondition<String, ?> termination);

    abstract WatchRuns build();
  }

  static WatchRuns of(String flow) {
    FlowRun.of(flow, "0"); // the flow name is checked now, not on a worker
    return new AutoValue_WatchRuns.Builder().setFlow(flow).setSettings(S3Settings.defaults())
        .setPollInterval(Duration.standardMinutes(1)).setTermination(Watch.Growth.never()).build();
  }

  public WatchRuns withSettings(S3Settings settings) {
    return toBuilder().setSettings(settings).build();
  }

  /** The datatools root the flow's runs are under (default: metaflow's configuration). */
  public WatchRuns withS3root(String s3root) {
    return toBuilder().setS3root(s3root).build();
  }

  /** How often the flow's runs are listed (default one minute). */
  public WatchRuns withPollInterval(Duration interval) {
    return toBuilder().setPollInterval(interval).build();
  }

  /** When to stop watching (Beam's conditions, e.g. {@code Watch.Growth.afterTimeSinceNewOutput(..)}). */
  public WatchRuns withTermination(Watch.Growth.TerminationCondition<String, ?> termination) {
    return toBuilder().setTermination(termination).build();
  }

  @Override
  public PCollection<MetaflowS3Object> expand(PBegin input) {
    return input.apply("Flow", Create.of(getFlow()))
        .apply("PollRuns", Watch.growthOf(new PollRuns(getSettings(), getS3root()))
            .withPollInterval(getPollInterval()).withTerminationPerInput(getTermination())
            .withOutputCoder(StringUtf8Coder.of()))
        .apply("RunPrefixes", Values.create())
        .apply("ReadRuns", MetaflowS3IO.readAll().withSettings(getSettings()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("flow", getFlow())).addIfNotNull(DisplayData.item("s3root", getS3root()))
        .add(DisplayData.item("pollInterval", getPollInterval()));
  }

  /** Lists the flow's runs that show data; each run's prefix URL is an output, which Watch emits once. */
  private static final class PollRuns extends Watch.Growth.PollFn<String, String> {
    private final S3Settings settings;
    private final @Nullable String s3root;

    PollRuns(S3Settings settings, @Nullable String s3root) {
      this.settings = settings;
      this.s3root = s3root;
    }

    @Override
    public Watch.Growth.PollResult<String> apply(String flow, Context c) {
      try (S3 s3 = S3.builder().settings(settings).s3root(s3root).build()) {
        List<String> prefixes = s3.runs(flow).stream()
            .map(run -> S3.builder().s3root(s3root).run(run).locate("")).toList();
        return Watch.Growth.PollResult.incomplete(Instant.now(), prefixes);
      }
    }
  }
}
