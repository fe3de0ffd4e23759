package io.metaflows3.beam;

import com.google.auto.value.AutoValue;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.table.Runs;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads every run of a flow, and each new run as it appears, object by object as the run stores them: Beam's
 * {@link Watch} polls the flow's runs under the datatools root (those showing committed data, as {@code S3.runs}
 * finds them), and each run is read {@linkplain MetaflowS3IO.ReadAll#continuously continuously}, every object
 * once, also those stored after the run first appeared, until the run is done: no new object for an hour by
 * default ({@link #withRunTermination}), or its completion marker exists ({@link #withRunCompletionMarker}).
 * Elements carry their object's last-modified time and the watermark follows the polls, so windows downstream
 * fire. Unbounded unless a termination is given, so a streaming pipeline trains on each new run.
 */
@AutoValue
public abstract class WatchRuns extends PTransform<PBegin, PCollection<MetaflowS3Object>> {
  abstract String getFlow();

  abstract @Nullable S3Settings getSettings();

  abstract @Nullable String getS3root();

  abstract Duration getPollInterval();

  abstract Watch.Growth.TerminationCondition<String, ?> getTermination();

  abstract Watch.Growth.TerminationCondition<String, ?> getRunTermination();

  abstract @Nullable String getRunCompletionMarker();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setFlow(String flow);

    abstract Builder setSettings(S3Settings settings);

    abstract Builder setS3root(@Nullable String s3root);

    abstract Builder setPollInterval(Duration interval);

    abstract Builder setTermination(Watch.Growth.TerminationCondition<String, ?> termination);

    abstract Builder setRunTermination(Watch.Growth.TerminationCondition<String, ?> termination);

    abstract Builder setRunCompletionMarker(@Nullable String key);

    abstract WatchRuns build();
  }

  static WatchRuns of(String flow) {
    FlowRun.of(flow, "0"); // the flow name is checked now, not on a worker
    return new AutoValue_WatchRuns.Builder().setFlow(flow)
        .setPollInterval(Duration.standardMinutes(1)).setTermination(Watch.Growth.never())
        .setRunTermination(Watch.Growth.afterTimeSinceNewOutput(DEFAULT_RUN_QUIET)).build();
  }

  /** A run with no new object for this long is done (its objects read, no more polls): the default run end. */
  public static final Duration DEFAULT_RUN_QUIET = Duration.standardHours(1);

  /**
   * Client settings (default: the pipeline's AwsOptions and S3Options, where it has Beam's AWS IO, over metaflow's
   * configuration).
   */
  public WatchRuns withSettings(S3Settings settings) {
    return toBuilder().setSettings(settings).build();
  }

  /** The datatools root the flow's runs are under (default: metaflow's configuration). */
  public WatchRuns withS3root(String s3root) {
    S3Url.parse(s3root); // an s3:// URL, checked now, not on a worker
    return toBuilder().setS3root(s3root).build();
  }

  /** How often the flow's runs, and each run being read, are listed (default one minute). */
  public WatchRuns withPollInterval(Duration interval) {
    if (interval == null || !interval.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("the poll interval must be positive, got " + interval);
    }
    return toBuilder().setPollInterval(interval).build();
  }

  /** When to stop watching for new runs (Beam's conditions, e.g. {@code Watch.Growth.afterTotalOf(..)}). */
  public WatchRuns withTermination(Watch.Growth.TerminationCondition<String, ?> termination) {
    return toBuilder().setTermination(termination).build();
  }

  /**
   * When a run is done, given its prefix (default: no new object for {@link #DEFAULT_RUN_QUIET}); its objects
   * stored until then are read.
   */
  public WatchRuns withRunTermination(Watch.Growth.TerminationCondition<String, ?> termination) {
    return toBuilder().setRunTermination(termination).build();
  }

  /** A run is done once this object below its prefix exists (written by the run's last step, say). */
  public WatchRuns withRunCompletionMarker(String relativeKey) {
    MetaflowS3IO.readAll().withCompletionMarker(relativeKey); // checked now, not on a worker
    return toBuilder().setRunCompletionMarker(relativeKey).build();
  }

  @Override
  public PCollection<MetaflowS3Object> expand(PBegin input) {
    S3Settings settings = PipelineSettings.resolve(getSettings(), input.getPipeline().getOptions());
    return input.apply("Flow", Create.of(getFlow()))
        .apply("PollRuns", Watch.growthOf(new PollRuns(settings, getS3root(), getPollInterval()))
            .withPollInterval(getPollInterval()).withTerminationPerInput(getTermination())
            .withOutputCoder(StringUtf8Coder.of()))
        .apply("RunPrefixes", Values.create())
        .apply("ReadRuns", readRuns(settings));
  }

  private MetaflowS3IO.ReadAll readRuns(S3Settings settings) {
    MetaflowS3IO.ReadAll read = MetaflowS3IO.readAll().withSettings(settings)
        .continuously(getPollInterval(), getRunTermination());
    return getRunCompletionMarker() == null ? read : read.withCompletionMarker(getRunCompletionMarker());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("flow", getFlow())).addIfNotNull(DisplayData.item("s3root", getS3root()))
        .add(DisplayData.item("pollInterval", getPollInterval()))
        .addIfNotNull(DisplayData.item("runCompletionMarker", getRunCompletionMarker()));
  }

  /**
   * Lists the flow's runs that show data; each run's prefix URL is an output, which Watch emits once. A run's
   * prefix carries the earliest timestamp, so each of its objects may carry its own last-modified time; the
   * watermark is the poll's start less one interval, as for the objects (see {@link PollObjects}).
   */
  private static final class PollRuns extends Watch.Growth.PollFn<String, String> {
    private final S3Settings settings;
    private final @Nullable String s3root;
    private final Duration interval;

    PollRuns(S3Settings settings, @Nullable String s3root, Duration interval) {
      this.settings = settings;
      this.s3root = s3root;
      this.interval = interval;
    }

    @Override
    public Watch.Growth.PollResult<String> apply(String flow, Context c) {
      Instant polled = Instant.now();
      try (S3 s3 = S3.builder().settings(settings).s3root(s3root).build()) {
        List<TimestampedValue<String>> prefixes = Runs.all(s3, flow).stream()
            .map(run -> TimestampedValue.of(S3.builder().s3root(s3root).run(run).locate(""),
                BoundedWindow.TIMESTAMP_MIN_VALUE)).toList();
        return Watch.Growth.PollResult.incomplete(prefixes).withWatermark(polled.minus(interval));
      }
    }
  }
}
