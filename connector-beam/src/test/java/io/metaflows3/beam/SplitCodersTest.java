package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.jupiter.api.Test;

/** Splits and ranges come back equal through their schema coders, a missing ETag and partition values too. */
class SplitCodersTest {
  @Test
  void splitsAndRangesRoundTrip() throws Exception {
    ObjectRange listed = new ObjectRange("s3://b/t/country=US/day=1/p.parquet", 900, "\"etag-1\"", 0, 300,
        Map.of("country", "US", "day", "1"));
    ObjectRange unpinned = new ObjectRange("s3://b/t/x", 5, null, 2, 5, Map.of());
    CoderProperties.coderDecodeEncodeEqual(SplitCoders.ranges(), listed);
    CoderProperties.coderDecodeEncodeEqual(SplitCoders.ranges(), unpinned);
    CoderProperties.coderDecodeEncodeEqual(SplitCoders.splits(), new ReadSplit(List.of(listed, unpinned)));
    CoderProperties.coderDecodeEncodeEqual(SplitCoders.splits(), new ReadSplit(List.of()));
  }
}
