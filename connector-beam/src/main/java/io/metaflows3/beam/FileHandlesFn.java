package io.metaflows3.beam;

import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.api.S3Url;
import org.apache.beam.sdk.transforms.DoFn;

/** A handle for each object of a split, read by its consumer; a large object cut into ranges gets one. */
final class FileHandlesFn extends DoFn<ReadSplit, MetaflowS3File> {
  @ProcessElement
  public void process(@Element ReadSplit split, @Timestamp org.joda.time.Instant timestamp,
      OutputReceiver<MetaflowS3File> out) {
    split.ranges().stream().filter(r -> r.start() == 0).forEach(r -> out.outputWithTimestamp(new MetaflowS3File(
        r.url(), S3Url.parse(r.url()).key(), r.size(), r.etag(), r.partitionValues()),
        ReadSplitFn.eventTime(r, timestamp)));
  }
}
