package io.metaflows3.beam;

import com.google.auto.value.AutoValue;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.TableLayout;
import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Requirements;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.WithTimestamps;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Beam transforms that read and write S3 the metaflow.S3 way.
 *
 * <pre>{@code
 * // Every object below a prefix of a run, partition-limited, split into bundles for parallel reads:
 * PCollection<MetaflowS3Object> objects = p.apply(MetaflowS3IO.read()
 *     .withS3root("s3://bucket/data").withRun(FlowRun.of("SalesFlow", "42"))
 *     .withPrefixes(List.of("sales/")).withPartitions("country", List.of("US", "DE")));
 * PCollection<String> lines = p.apply(MetaflowS3IO.read().from("s3://bucket/logs/").asLines());
 * PCollection<Row> rows = p.apply(MetaflowS3IO.read().from("s3://bucket/table/").asParquet(schema));
 *
 * // Key/bytes pairs stored under the run, race-free, committed to the table's log readers follow:
 * models.apply(MetaflowS3IO.write().withS3root("s3://bucket/data").to(FlowRun.of("TrainFlow", "7"), "models/"));
 * rows.apply(MetaflowS3IO.write().to("s3://bucket/table/").asParquet("country"));
 * }</pre>
 */
public final class MetaflowS3IO {
  private static final long DEFAULT_BUNDLE_BYTES = 64L << 20;

  private MetaflowS3IO() {}

  /** Reads whole objects (and large ones as byte chunks) below prefixes, or exact keys. */
  public static Read read() {
    return new AutoValue_MetaflowS3IO_Read.Builder()
        .setPrefixes(List.of()).setKeys(List.of()).setReadAll(readAll()).build();
  }

  /** Reads every run of {@code flow} that shows data, and each new one as it appears; see {@link WatchRuns}. */
  public static WatchRuns watchForNewRuns(String flow) {
    return WatchRuns.of(flow);
  }

  /** Reads the prefixes (or, with {@link ReadAll#withExactKeys()}, the objects) of an input collection of URLs. */
  public static ReadAll readAll() {
    return new AutoValue_MetaflowS3IO_ReadAll.Builder().setExactKeys(false)
        .setPartitionFilter(PartitionFilter.ALL).setSnapshot(ReadPlanner.SnapshotChoice.LATEST)
        .setBundleBytes(DEFAULT_BUNDLE_BYTES)
        .setEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW).build();
  }

  /**
   * Reads the files of {@code FileIO.match()} and {@code FileIO.readMatches()} ({@code s3://} ones) as whole
   * objects (large ones as byte chunks), fetched as {@link #read()} fetches: sizes from the match, small files
   * many in flight, large ones in parallel ranges. Bytes come as stored (the file's compression is not applied).
   */
  public static ReadFiles readFiles() {
    return ReadFiles.of(readAll());
  }

  /** Writes {@code KV<key, bytes>} elements under a (run-versioned) prefix. */
  public static Write write() {
    return new AutoValue_MetaflowS3IO_Write.Builder().setReplace(false)
        .setContentType("application/octet-stream").build();
  }

  /** Resolves locations of a transform: under {@code <s3root>/<flow>/<runId>/}, an s3root, or as full URLs. */
  private static S3.Builder context(@Nullable String s3root, @Nullable FlowRun run) {
    return S3.builder().s3root(s3root).run(run);
  }

  /** Reads objects below prefixes or exact keys; see {@link #read()}. */
  @AutoValue
  public abstract static class Read extends PTransform<PBegin, PCollection<MetaflowS3Object>> {
    abstract @Nullable S3Settings getSettings();

    /** The settings given, else the pipeline's: see {@link #withSettings}. */
    S3Settings settings(PipelineOptions options) {
      return PipelineSettings.resolve(getSettings(), options);
    }

    abstract @Nullable FlowRun getRun();

    abstract @Nullable String getS3root();

    abstract List<String> getPrefixes();

    abstract List<String> getKeys();

    abstract ReadAll getReadAll();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setSettings(S3Settings settings);

      abstract Builder setRun(@Nullable FlowRun run);

      abstract Builder setS3root(@Nullable String s3root);

      abstract Builder setPrefixes(List<String> prefixes);

      abstract Builder setKeys(List<String> keys);

      abstract Builder setReadAll(ReadAll readAll);

      abstract Read build();
    }

    /**
     * Reads everything below {@code url} (a full {@code s3://} prefix), instead of any location set before, as
     * every {@code withX} replaces; {@link #withPrefixes} reads several.
     */
    public Read from(String url) {
      if (url == null || !S3Url.isUrl(url)) {
        throw new IllegalArgumentException("from(..) takes a full s3:// URL, got " + url);
      }
      S3Url.parse(url);
      return toBuilder().setPrefixes(List.of(url)).build();
    }

    /** Resolves relative prefixes and keys under {@code <s3root>/<flow>/<runId>/}. */
    public Read withRun(FlowRun run) {
      if (run == null) {
        throw new IllegalArgumentException("run must not be null");
      }
      return toBuilder().setRun(run).build();
    }

    /** The datatools root (with {@link #withRun}) or the root of relative paths (without). */
    public Read withS3root(String s3root) {
      S3Url.parse(s3root);
      return toBuilder().setS3root(s3root).build();
    }

    /** Reads every object below each prefix (metaflow's {@code get_recursive}). */
    public Read withPrefixes(List<String> prefixes) {
      return toBuilder().setPrefixes(List.copyOf(nonEmpty("prefixes", prefixes))).build();
    }

    /** Reads exactly these objects (metaflow's {@code get_many}). */
    public Read withKeys(List<String> keys) {
      return toBuilder().setKeys(List.copyOf(nonEmpty("keys", keys))).build();
    }

    /**
     * Client settings: endpoint, credentials, concurrency, ... (default: the pipeline's {@code AwsOptions} and
     * {@code S3Options}, where it has Beam's AWS IO, over metaflow's configuration).
     */
    public Read withSettings(S3Settings settings) {
      return toBuilder().setSettings(settings).setReadAll(getReadAll().withSettings(settings)).build();
    }

    /** Target bytes per bundle: large objects are cut into ranges of this size, small ones packed to it. */
    public Read withBundleSize(long bytes) {
      return toBuilder().setReadAll(getReadAll().withBundleSize(bytes)).build();
    }

    /** Reads only the hive-style partitions {@code column=value/} with these values; others are not listed. */
    public Read withPartitions(String column, List<String> values) {
      return toBuilder().setReadAll(getReadAll().withPartitions(column, values)).build();
    }

    /** See {@link ReadAll#continuously}: reads the prefixes' objects as they appear (an unbounded read). */
    public Read continuously(Duration pollInterval, Watch.Growth.TerminationCondition<String, ?> termination) {
      return toBuilder().setReadAll(getReadAll().continuously(pollInterval, termination)).build();
    }

    /** See {@link ReadAll#withCompletionMarker}: a prefix of a continuous read is done once this object exists. */
    public Read withCompletionMarker(String relativeKey) {
      return toBuilder().setReadAll(getReadAll().withCompletionMarker(relativeKey)).build();
    }

    /** See {@link ReadAll#withVersion}: reads the Delta tables as of a version of their log. */
    public Read withVersion(long version) {
      return toBuilder().setReadAll(getReadAll().withVersion(version)).build();
    }

    /** See {@link ReadAll#withTimestamp}: reads the Delta tables as they were at a time. */
    public Read withTimestamp(java.time.Instant time) {
      return toBuilder().setReadAll(getReadAll().withTimestamp(time)).build();
    }

    /** See {@link ReadAll#withBadRecordErrorHandler}: ranges that fail to read go to the handler. */
    public Read withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      return toBuilder().setReadAll(getReadAll().withBadRecordErrorHandler(handler)).build();
    }

    /** See {@link ReadAll#withEmptyMatchTreatment}: whether an empty location fails the read or reads as empty. */
    public Read withEmptyMatchTreatment(EmptyMatchTreatment treatment) {
      return toBuilder().setReadAll(getReadAll().withEmptyMatchTreatment(treatment)).build();
    }

    /**
     * The same read, emitting text lines (each exactly once, whatever the split); objects named like compressed
     * files ({@code .gz}, {@code .bz2}, {@code .zst}, ...) are decompressed, as {@code TextIO} does by default.
     */
    public ReadLines asLines() {
      return ReadLines.of(this);
    }

    /** The same read of text lines, every object decompressed as {@code compression} says (AUTO: by its name). */
    public ReadLines asLines(Compression compression) {
      return asLines().withCompression(compression);
    }

    /**
     * The same read of Parquet files, emitting their records as rows of {@code schema}: fields named like a
     * hive-style partition column (e.g. {@code country}) are filled from the object's prefix. Each range
     * reads the row groups whose midpoint it holds, by ranged GETs of the selected columns only.
     */
    public ReadParquet asParquet(Schema schema) {
      return ReadParquet.of(this, schema);
    }

    /**
     * The same read of Parquet files, their schema read now from the first object's footer (Beam's mapping of its
     * Avro form; INT96 as DATETIME), the partition columns of the objects' prefixes appended as strings.
     */
    public ReadParquet asParquet() {
      if (getPrefixes().isEmpty() && getKeys().isEmpty()) {
        throw new IllegalArgumentException("MetaflowS3IO.read() needs from(..), withPrefixes(..) or withKeys(..)");
      }
      S3.Builder where = context(getS3root(), getRun());
      List<String> locations = new ArrayList<>();
      getPrefixes().forEach(p -> locations.add(where.locate(p)));
      getKeys().forEach(k -> locations.add(where.locate(k)));
      return asParquet(ParquetRecords.infer(PipelineSettings.resolve(getSettings(), null), locations,
          getReadAll().getSnapshot()));
    }

    /**
     * The same objects as handles, not read: each {@link MetaflowS3File} is opened by its consumer and streamed
     * (an object of any size with two parts in memory), as Beam's {@code FileIO.ReadableFile} is; listed as
     * {@link #expand} lists, then spread over workers one handle each.
     */
    public PTransform<PBegin, PCollection<MetaflowS3File>> asFiles() {
      Read read = this;
      return new PTransform<>("ReadFileHandles") {
        @Override
        public PCollection<MetaflowS3File> expand(PBegin input) {
          return read.splits(input)
              .apply("Handles", ParDo.of(new FileHandlesFn()))
              .apply("Spread", Reshuffle.viaRandomKey());
        }

        @Override
        public void populateDisplayData(DisplayData.Builder builder) {
          super.populateDisplayData(builder);
          read.populateDisplayData(builder);
        }
      };
    }

    @Override
    public PCollection<MetaflowS3Object> expand(PBegin input) {
      return getReadAll().readSplits(splits(input));
    }

    /** Applies {@code reader} to this read's splits: its records, bad ranges to the read's error handler. */
    <T> PCollection<T> apply(PBegin input, ReadSplitFn<T> reader, String name) {
      return reader.applyTo(splits(input), name, getReadAll().getBadRecordErrorHandler());
    }

    PCollection<ReadSplit> splits(PBegin input) {
      if (getPrefixes().isEmpty() && getKeys().isEmpty()) {
        throw new IllegalArgumentException("MetaflowS3IO.read() needs from(..), withPrefixes(..) or withKeys(..)");
      }
      S3.Builder where = context(getS3root(), getRun());
      List<PCollection<ReadSplit>> parts = new ArrayList<>();
      if (!getPrefixes().isEmpty()) {
        parts.add(input.apply("Prefixes", Create.of(getPrefixes().stream().map(where::locate).toList()))
            .apply("PlanPrefixes", getReadAll().planning()));
      }
      if (!getKeys().isEmpty()) {
        parts.add(input.apply("Keys", Create.of(getKeys().stream().map(where::locate).toList()))
            .apply("PlanKeys", getReadAll().withExactKeys().planning()));
      }
      return parts.size() == 1 ? parts.get(0) : PCollectionList.of(parts).apply(Flatten.pCollections());
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.addIfNotNull(DisplayData.item("run", getRun() == null ? null : getRun().toString()))
          .addIfNotNull(DisplayData.item("s3root", getS3root()))
          .add(DisplayData.item("prefixes", String.join(", ", getPrefixes())))
          .add(DisplayData.item("keys", getKeys().size()));
      getReadAll().populateDisplayData(builder);
    }
  }

  /** Reads the prefixes (or exact objects) named by the input's URLs; see {@link #readAll()}. */
  @AutoValue
  public abstract static class ReadAll extends PTransform<PCollection<String>, PCollection<MetaflowS3Object>> {
    abstract @Nullable S3Settings getSettings();

    /** The settings given, else the pipeline's: see {@link #withSettings}. */
    S3Settings settings(PipelineOptions options) {
      return PipelineSettings.resolve(getSettings(), options);
    }

    abstract boolean getExactKeys();

    abstract PartitionFilter getPartitionFilter();

    abstract ReadPlanner.SnapshotChoice getSnapshot();

    abstract @Nullable Duration getPollInterval();

    abstract Watch.Growth.@Nullable TerminationCondition<String, ?> getTermination();

    abstract @Nullable String getCompletionMarker();

    abstract long getBundleBytes();

    abstract EmptyMatchTreatment getEmptyMatchTreatment();

    abstract @Nullable ErrorHandler<BadRecord, ?> getBadRecordErrorHandler();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setSettings(S3Settings settings);

      abstract Builder setEmptyMatchTreatment(EmptyMatchTreatment treatment);

      abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

      abstract Builder setExactKeys(boolean exactKeys);

      abstract Builder setPartitionFilter(PartitionFilter filter);

      abstract Builder setSnapshot(ReadPlanner.SnapshotChoice snapshot);

      abstract Builder setPollInterval(@Nullable Duration interval);

      abstract Builder setTermination(Watch.Growth.@Nullable TerminationCondition<String, ?> termination);

      abstract Builder setCompletionMarker(@Nullable String key);

      abstract Builder setBundleBytes(long bytes);

      abstract ReadAll build();
    }

    /**
     * Client settings: endpoint, credentials, concurrency, ... (default: the pipeline's {@code AwsOptions} and
     * {@code S3Options}, where it has Beam's AWS IO, over metaflow's configuration).
     */
    public ReadAll withSettings(S3Settings settings) {
      if (settings == null) {
        throw new IllegalArgumentException("settings must not be null");
      }
      return toBuilder().setSettings(settings).build();
    }

    /** The input names objects to read whole, not prefixes. */
    public ReadAll withExactKeys() {
      return toBuilder().setExactKeys(true).build();
    }

    public ReadAll withBundleSize(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("bundle size must be positive, got " + bytes);
      }
      return toBuilder().setBundleBytes(bytes).build();
    }

    public ReadAll withPartitions(String column, List<String> values) {
      return toBuilder().setPartitionFilter(getPartitionFilter().and(column, values)).build();
    }

    /**
     * Reads each Delta table as of {@code version} of its log (Delta's time travel, Spark's {@code versionAsOf}):
     * the files that version names, though later versions removed them, until a vacuum deletes them. A location
     * with no Delta table at, above or below it fails the read.
     */
    public ReadAll withVersion(long version) {
      return toBuilder().setSnapshot(ReadPlanner.SnapshotChoice.version(version)).build();
    }

    /**
     * Reads each Delta table as it was at {@code time} (the newest version committed by then; Spark's
     * {@code timestampAsOf}); a time before the table's first commit fails the read.
     */
    public ReadAll withTimestamp(java.time.Instant time) {
      if (time == null) {
        throw new IllegalArgumentException("time must not be null");
      }
      return toBuilder().setSnapshot(ReadPlanner.SnapshotChoice.timestamp(time)).build();
    }

    /**
     * Reads each location continuously, as {@code FileIO.match().continuously(..)} matches: it is listed every
     * {@code pollInterval} and each object that appears below it is read once (by URL), also those stored after
     * the location first appeared, until {@code termination} says the location is done (Beam's conditions, e.g.
     * {@code Watch.Growth.afterTimeSinceNewOutput(..)}; {@code never()} watches for ever) or its
     * {@link #withCompletionMarker completion marker} exists. A Delta table is followed by its log (committed
     * files only). Elements carry their object's last-modified time; the watermark is each poll's start less one
     * interval, so downstream windows fire as polls go on (an object stored more than an interval before it
     * could be listed, a slow upload, arrives late). The output is unbounded.
     */
    public ReadAll continuously(Duration pollInterval, Watch.Growth.TerminationCondition<String, ?> termination) {
      if (pollInterval == null || !pollInterval.isLongerThan(Duration.ZERO) || termination == null) {
        throw new IllegalArgumentException("continuously(..) needs a positive poll interval and a termination "
            + "condition (Watch.Growth.never() to watch for ever), got " + pollInterval + " and " + termination);
      }
      return toBuilder().setPollInterval(pollInterval).setTermination(termination).build();
    }

    /**
     * With {@link #continuously}: a location is done once the object {@code relativeKey} below it exists (a run's
     * or a job's marker, such as {@code _SUCCESS}, written after everything else); its objects are read once
     * more and it is polled no longer.
     */
    public ReadAll withCompletionMarker(String relativeKey) {
      if (relativeKey == null || relativeKey.isEmpty() || relativeKey.startsWith("/")) {
        throw new IllegalArgumentException("a completion marker is a key relative to the location, got "
            + relativeKey);
      }
      return toBuilder().setCompletionMarker(relativeKey).build();
    }

    /**
     * Ranges that fail to read (a corrupt Parquet file, an object deleted or replaced since it was listed) go to
     * {@code handler} as Beam {@link BadRecord}s (the range and the error), and the read goes on; without one, such
     * a range fails the pipeline.
     */
    public ReadAll withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      return toBuilder().setBadRecordErrorHandler(handler).build();
    }

    /**
     * What a location with nothing below it means, as for {@code FileIO.match()}: {@code DISALLOW} (the default)
     * fails the read with {@code MetaflowS3NotFound}; {@code ALLOW} reads it as empty. Locations here are
     * prefixes, never wildcards, so {@code ALLOW_IF_WILDCARD} is {@code DISALLOW}.
     */
    public ReadAll withEmptyMatchTreatment(EmptyMatchTreatment treatment) {
      if (treatment == null) {
        throw new IllegalArgumentException("empty match treatment must not be null");
      }
      return toBuilder().setEmptyMatchTreatment(treatment).build();
    }

    @Override
    public PCollection<MetaflowS3Object> expand(PCollection<String> input) {
      return readSplits(input.apply("Plan", planning()));
    }

    /** Lists (in parallel, one element per location) and plans splits, then spreads them over workers. */
    PTransform<PCollection<String>, PCollection<ReadSplit>> planning() {
      if (getExactKeys() && !getSnapshot().isLatest()) {
        throw new IllegalArgumentException("time travel (" + getSnapshot() + ") reads Delta tables by location; "
            + "exact keys name objects, not tables");
      }
      if (getCompletionMarker() != null && getPollInterval() == null) {
        throw new IllegalArgumentException("a completion marker ends a continuous read: add continuously(..)");
      }
      if (getPollInterval() != null) {
        return watching();
      }
      ReadAll config = this;
      return new PTransform<>("PlanSplits") {
        @Override
        public PCollection<ReadSplit> expand(PCollection<String> locations) {
          return locations
              .apply("ListAndPlan", ParDo.of(new PlanSplitsFn(config.settings(locations.getPipeline().getOptions()), config.getExactKeys(),
                  config.getPartitionFilter(), config.getSnapshot(), config.getBundleBytes(),
                  config.getEmptyMatchTreatment() == EmptyMatchTreatment.ALLOW)))
              .setCoder(SplitCoders.splits())
              .apply("Spread", Reshuffle.viaRandomKey());
        }
      };
    }

    /** Polls each location, plans each new object's splits as it appears, then spreads them over workers. */
    private PTransform<PCollection<String>, PCollection<ReadSplit>> watching() {
      if (getExactKeys() || !getSnapshot().isLatest()) {
        throw new IllegalArgumentException("continuously(..) watches prefixes for new objects; exact keys and time "
            + "travel name what exists already");
      }
      ReadAll config = this;
      long bundleBytes = getBundleBytes();
      return new PTransform<>("WatchAndPlan") {
        @Override
        public PCollection<ReadSplit> expand(PCollection<String> locations) {
          // Each object's time may be earlier than the location's element: the locations are put at the start of
          // time, in the global window, so each object read carries its own last-modified time.
          return locations
              .apply("GlobalWindow", Window.<String>into(new GlobalWindows()))
              .apply("AtTheStart", WithTimestamps.<String>of(location -> BoundedWindow.TIMESTAMP_MIN_VALUE)
                  .withAllowedTimestampSkew(Duration.millis(Long.MAX_VALUE)))
              .apply("Poll", Watch.growthOf(Contextful.<Watch.Growth.PollFn<String, ObjectRange>>of(
                      new PollObjects(config.settings(locations.getPipeline().getOptions()),
                          config.getPartitionFilter(), config.getPollInterval(), config.getCompletionMarker()),
                      Requirements.empty()), ObjectRange::url)
                  .withPollInterval(config.getPollInterval()).withTerminationPerInput(config.getTermination())
                  .withOutputCoder(SplitCoders.ranges()).withOutputKeyCoder(StringUtf8Coder.of()))
              .apply("Objects", Values.create())
              .apply("Plan", FlatMapElements.into(TypeDescriptor.of(ReadSplit.class)).via(
                  (ObjectRange o) -> ReadPlanner.split(List.of(o), bundleBytes, SplitPositions.OPEN_COST)))
              .setCoder(SplitCoders.splits());
        }
      };
    }

    PCollection<MetaflowS3Object> readSplits(PCollection<ReadSplit> splits) {
      return new ReadObjectsFn(settings(splits.getPipeline().getOptions())).applyTo(splits, "ReadObjects",
          getBadRecordErrorHandler());
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.add(DisplayData.item("exactKeys", getExactKeys()))
          .add(DisplayData.item("partitions", getPartitionFilter().toString()))
          .add(DisplayData.item("snapshot", getSnapshot().toString()))
          .addIfNotNull(DisplayData.item("pollInterval", getPollInterval()))
          .addIfNotNull(DisplayData.item("completionMarker", getCompletionMarker()))
          .add(DisplayData.item("bundleBytes", getBundleBytes()))
          .add(DisplayData.item("emptyMatchTreatment", getEmptyMatchTreatment().toString()))
          .addIfNotNull(DisplayData.item("endpoint", getSettings() == null ? null : getSettings().endpoint()));
    }
  }

  /** Reads matched files; see {@link #readFiles()}. Its settings, bundle size and error handler are a read's. */
  @AutoValue
  public abstract static class ReadFiles
      extends PTransform<PCollection<FileIO.ReadableFile>, PCollection<MetaflowS3Object>> {
    abstract ReadAll getReadAll();

    static ReadFiles of(ReadAll readAll) {
      return new AutoValue_MetaflowS3IO_ReadFiles(readAll);
    }

    /**
     * Client settings: endpoint, credentials, concurrency, ... (default: the pipeline's {@code AwsOptions} and
     * {@code S3Options}, where it has Beam's AWS IO, over metaflow's configuration).
     */
    public ReadFiles withSettings(S3Settings settings) {
      return of(getReadAll().withSettings(settings));
    }

    /** Target bytes per split: large files are cut into ranges of this size, small ones packed to it. */
    public ReadFiles withBundleSize(long bytes) {
      return of(getReadAll().withBundleSize(bytes));
    }

    /** See {@link ReadAll#withBadRecordErrorHandler}: files that fail to read go to the handler. */
    public ReadFiles withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      return of(getReadAll().withBadRecordErrorHandler(handler));
    }

    @Override
    public PCollection<MetaflowS3Object> expand(PCollection<FileIO.ReadableFile> files) {
      return getReadAll().readSplits(files
          .apply("PackFiles", ParDo.of(new PackFilesFn(getReadAll().getBundleBytes())))
          .setCoder(SplitCoders.splits())
          .apply("Spread", Reshuffle.viaRandomKey()));
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      getReadAll().populateDisplayData(builder);
    }
  }

  /** Writes {@code KV<key, bytes>} under a prefix, race-free; see {@link #write()}. */
  @AutoValue
  public abstract static class Write extends PTransform<PCollection<KV<String, byte[]>>, WriteResult> {
    abstract @Nullable S3Settings getSettings();

    /** The settings given, else the pipeline's: see {@link #withSettings}. */
    S3Settings settings(PipelineOptions options) {
      return PipelineSettings.resolve(getSettings(), options);
    }

    abstract @Nullable FlowRun getRun();

    abstract @Nullable String getS3root();

    abstract @Nullable String getPrefix();

    abstract boolean getReplace();

    abstract String getContentType();

    abstract TableWrite.@Nullable Transaction getTransaction();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setSettings(S3Settings settings);

      abstract Builder setTransaction(TableWrite.@Nullable Transaction transaction);

      abstract Builder setRun(@Nullable FlowRun run);

      abstract Builder setS3root(@Nullable String s3root);

      abstract Builder setPrefix(@Nullable String prefix);

      abstract Builder setReplace(boolean replace);

      abstract Builder setContentType(String contentType);

      abstract Write build();
    }

    /** Writes below {@code <s3root>/<flow>/<runId>/<prefix>}. */
    public Write to(FlowRun run, String prefix) {
      if (run == null || prefix == null || prefix.isEmpty()) {
        throw new IllegalArgumentException("to(run, prefix) needs a run and a non-empty prefix");
      }
      return toBuilder().setRun(run).setPrefix(prefix).build();
    }

    /** Writes below {@code url}, a full {@code s3://} prefix (or a path under {@link #withS3root}). */
    public Write to(String url) {
      if (url == null || url.isEmpty()) {
        throw new IllegalArgumentException("to(url) needs a prefix");
      }
      return toBuilder().setPrefix(url).build();
    }

    public Write withS3root(String s3root) {
      S3Url.parse(s3root);
      return toBuilder().setS3root(s3root).build();
    }

    /**
     * Client settings: endpoint, credentials, concurrency, ... (default: the pipeline's {@code AwsOptions} and
     * {@code S3Options}, where it has Beam's AWS IO, over metaflow's configuration).
     */
    public Write withSettings(S3Settings settings) {
      if (settings == null) {
        throw new IllegalArgumentException("settings must not be null");
      }
      return toBuilder().setSettings(settings).build();
    }

    public Write withContentType(String contentType) {
      if (contentType == null || contentType.isBlank()) {
        throw new IllegalArgumentException("content type must not be empty");
      }
      return toBuilder().setContentType(contentType).build();
    }

    /** On commit, hide what earlier writes committed below the prefix (default: add to it). */
    public Write withReplace() {
      return toBuilder().setReplace(true).build();
    }

    /**
     * Commits under this transaction id (Delta's {@code txn}, as Spark's options {@code txnAppId} and
     * {@code txnVersion} give it): when the table already holds {@code appId} at {@code version} or a later one,
     * as after a rerun of a pipeline that succeeded, the write adds nothing (what its bundles stored is never in
     * the log; a vacuum deletes it). For a write committed once: bounded input in the global window.
     */
    public Write withTransactionId(String appId, long version) {
      return toBuilder().setTransaction(new TableWrite.Transaction(appId, version)).build();
    }

    @Override
    public WriteResult expand(PCollection<KV<String, byte[]>> input) {
      PCollectionView<TableWrite> job = begin(input, null, false);
      return commit(job, input.apply("WriteObjects",
          ParDo.of(new WriteBundleFn(job, settings(input.getPipeline().getOptions()), getContentType()))
              .withSideInputs(job)));
    }

    /**
     * The same write for rows with a schema, stored as Parquet: each bundle writes one file per
     * {@code partitionColumns} folder ({@code country=US/part-<id>-<bundle>-<writeId>.parquet}), the partition
     * columns in the folder name only, escaped as Spark names them; the same commit follows. Codec and row group
     * size: {@link WriteParquet#withCodec}, {@link WriteParquet#withRowGroupSize}.
     */
    public WriteParquet asParquet(String... partitionColumns) {
      return WriteParquet.of(this, List.of(partitionColumns));
    }

    /**
     * Begins the write when the pipeline runs: one element, one write id per run, begun on the table before
     * any bundle writes; shared with the writers and the commit as a singleton side input. With a
     * {@code layout} the write's files are a Delta table's (with {@code mergeSchema}, columns it lacks are
     * added); without, objects.
     */
    PCollectionView<TableWrite> begin(PCollection<?> input, TableLayout layout, boolean mergeSchema) {
      if (getPrefix() == null) {
        throw new IllegalArgumentException("MetaflowS3IO.write() needs to(..)");
      }
      if (getTransaction() != null && !isWholeWrite(input)) {
        throw new IllegalArgumentException("MetaflowS3IO.write().withTransactionId(..) is for a write committed once, "
            + "after all input: it takes bounded input in the global window with the default trigger, got "
            + input.isBounded() + " input windowed by " + input.getWindowingStrategy().getWindowFn());
      }
      if (getReplace() && !isWholeWrite(input)) {
        throw new IllegalArgumentException("MetaflowS3IO.write().withReplace() replaces the table once, after all "
            + "input: it takes bounded input in the global window with the default trigger, got "
            + input.isBounded() + " input windowed by " + input.getWindowingStrategy().getWindowFn()
            + " triggering " + input.getWindowingStrategy().getTrigger());
      }
      String target = context(getS3root(), getRun()).locate(getPrefix());
      TableWrite.Mode mode = getReplace() ? TableWrite.Mode.OVERWRITE : TableWrite.Mode.APPEND;
      return input.getPipeline()
          .apply("Begin", Create.of(target))
          .apply("BeginWrite", ParDo.of(new BeginWriteFn(settings(input.getPipeline().getOptions()), mode, layout,
              mergeSchema, getTransaction())))
          .setCoder(SerializableCoder.of(TableWrite.class))
          .apply("WriteId", View.asSingleton());
    }

    /**
     * Groups what the committed bundles wrote by window and pane, and commits each group as one table version:
     * once for bounded input in the global window, else once per window and pane (a streaming job appends to
     * its run as it goes; keys must then be unique across windows).
     */
    @SuppressWarnings("unchecked") // a window coder codes the windows of its strategy
    WriteResult commit(PCollectionView<TableWrite> job, PCollection<WrittenObject> written) {
      written.setCoder(SerializableCoder.of(WrittenObject.class));
      boolean whole = isWholeWrite(written);
      Combine.Globally<WrittenObject, List<WrittenObject>> collect = Combine.globally(new CommitFn.Collect());
      PCollection<String> urls = written
          // With defaults, a whole write commits even when nothing was written (other windows have no default).
          .apply("CollectWritten", whole ? collect : collect.withoutDefaults())
          .apply("Commit", ParDo.of(new CommitFn(job, whole, (Coder<BoundedWindow>) written.getWindowingStrategy()
              .getWindowFn().windowCoder())).withSideInputs(job));
      return new WriteResult(urls);
    }

    /**
     * Whether the write commits once, after all input: bounded input in the global window with the default
     * trigger (another trigger fires several panes, each then a part of its own).
     */
    private static boolean isWholeWrite(PCollection<?> input) {
      return input.isBounded() == PCollection.IsBounded.BOUNDED
          && input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows
          && input.getWindowingStrategy().getTrigger() instanceof DefaultTrigger;
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.addIfNotNull(DisplayData.item("run", getRun() == null ? null : getRun().toString()))
          .addIfNotNull(DisplayData.item("s3root", getS3root()))
          .addIfNotNull(DisplayData.item("prefix", getPrefix()))
          .add(DisplayData.item("replace", getReplace()))
          .add(DisplayData.item("contentType", getContentType()));
    }
  }

  private static <T> List<T> nonEmpty(String what, List<T> values) {
    if (values == null || values.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    return values;
  }
}
