package io.metaflows3.beam;

import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.SharedClients;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import java.util.List;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * One poll of a location for {@link Watch}: the objects a reader sees below it now (the table contract: a Delta
 * table's committed files from its log, elsewhere every visible object), each timestamped with its last-modified
 * time, which {@code Watch} emits once per URL. The watermark is the poll's start less one poll interval: an
 * object is listed by the poll after it is stored, so one stored more than an interval before it is listed (an
 * upload that took longer) arrives late. With a completion marker, the location is complete (its objects read, no
 * more polls) once the marker exists; it is looked for before listing, so every object stored before it is in
 * that last listing.
 */
final class PollObjects extends Watch.Growth.PollFn<String, ObjectRange> {
  private final S3Settings settings;
  private final PartitionFilter filter;
  private final Duration interval;
  private final @Nullable String completionMarker;

  PollObjects(S3Settings settings, PartitionFilter filter, Duration interval, @Nullable String completionMarker) {
    this.settings = settings;
    this.filter = filter;
    this.interval = interval;
    this.completionMarker = completionMarker;
  }

  @Override
  public Watch.Growth.PollResult<ObjectRange> apply(String location, Context c) {
    Instant polled = Instant.now();
    S3 s3 = SharedClients.get(settings);
    String prefix = S3Url.parse(location).asPrefix().toString();
    boolean complete = completionMarker != null
        && s3.info(prefix + completionMarker, GetOption.RETURN_MISSING).exists();
    List<TimestampedValue<ObjectRange>> objects = new ReadPlanner(s3).allowingEmptyLocations().includingEmptyObjects()
        .listPrefixes(List.of(prefix), filter).stream()
        .map(o -> TimestampedValue.of(o, o.lastModified() == null ? polled
            : new Instant(o.lastModified().toEpochMilli())))
        .toList();
    return complete ? Watch.Growth.PollResult.complete(objects)
        : Watch.Growth.PollResult.incomplete(objects).withWatermark(polled.minus(interval));
  }
}
