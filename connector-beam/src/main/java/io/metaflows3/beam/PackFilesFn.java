package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.table.PartitionPaths;
import io.metaflows3.core.table.ReadPlanner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/**
 * Packs the matched files of a bundle into read splits, as a listing's objects are packed: small files share a
 * split (read with many GETs in flight), large ones are cut into ranges. Sizes come from the match, so no file
 * costs a HEAD; only {@code s3://} files are taken. Files share a split only with files of the same window and
 * timestamp, which the split keeps, so what is read from a file has the file element's timestamp (as
 * {@code TextIO.readFiles()} keeps it).
 */
final class PackFilesFn extends DoFn<FileIO.ReadableFile, ReadSplit> {
  private final long bundleBytes;
  private transient Map<Placement, List<ObjectRange>> pending;

  /** Where an element lies in event time: its window and timestamp. */
  private record Placement(BoundedWindow window, Instant timestamp) {}

  PackFilesFn(long bundleBytes) {
    this.bundleBytes = bundleBytes;
  }

  @StartBundle
  public void startBundle() {
    pending = new LinkedHashMap<>();
  }

  @ProcessElement
  public void process(@Element FileIO.ReadableFile file, @Timestamp Instant timestamp, BoundedWindow window) {
    MatchResult.Metadata metadata = file.getMetadata();
    String url = metadata.resourceId().toString();
    if (!S3Url.isUrl(url) || metadata.resourceId().isDirectory()) {
      throw new IllegalArgumentException("MetaflowS3IO.readFiles() reads s3:// objects, got " + url);
    }
    pending.computeIfAbsent(new Placement(window, timestamp), at -> new ArrayList<>()).add(new ObjectRange(url,
        metadata.sizeBytes(), null, 0, metadata.sizeBytes(), PartitionPaths.rawValues(S3Url.parse(url).key())));
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    pending.forEach((at, files) -> ReadPlanner.split(files, bundleBytes, SplitPositions.OPEN_COST)
        .forEach(split -> context.output(split, at.timestamp(), at.window())));
    pending = null;
  }
}
