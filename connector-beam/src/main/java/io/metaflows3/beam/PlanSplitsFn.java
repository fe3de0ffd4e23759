package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Lists one prefix (or sizes one exact object) on a worker and emits its read splits. Each prefix is its own
 * element, so many prefixes are listed in parallel across workers. The client is made on the worker.
 */
final class PlanSplitsFn extends DoFn<String, ReadSplit> {
  private final S3Settings settings;
  private final boolean exactKeys;
  private final PartitionFilter filter;
  private final ReadPlanner.SnapshotChoice snapshot;
  private final long bundleBytes;
  private final boolean allowEmpty;
  private transient S3 s3;
  private transient long[] reported;

  /** {@code allowEmpty}: a prefix with nothing below it plans no split instead of failing the read. */
  PlanSplitsFn(S3Settings settings, boolean exactKeys, PartitionFilter filter, ReadPlanner.SnapshotChoice snapshot,
      long bundleBytes, boolean allowEmpty) {
    this.snapshot = snapshot;
    this.allowEmpty = allowEmpty;
    this.settings = settings;
    this.exactKeys = exactKeys;
    this.filter = filter;
    this.bundleBytes = bundleBytes;
  }

  @Setup
  public void setup() {
    s3 = S3.builder().settings(settings).build();
    reported = new long[2];
  }

  @ProcessElement
  public void process(@Element String location, OutputReceiver<ReadSplit> out) {
    // Empty objects are elements too, as FileIO and metaflow's get_recursive give them.
    ReadPlanner planner = (allowEmpty ? new ReadPlanner(s3).allowingEmptyLocations() : new ReadPlanner(s3))
        .includingEmptyObjects().at(snapshot);
    List<ObjectRange> objects = exactKeys ? planner.objects(List.of(location))
        : planner.listPrefixes(List.of(location), filter);
    ReadPlanner.split(objects, bundleBytes, SplitPositions.OPEN_COST).forEach(out::output);
    reported = S3Metrics.report(s3.stats(), reported);
  }

  @Teardown
  public void teardown() {
    if (s3 != null) {
      s3.close();
    }
  }
}
