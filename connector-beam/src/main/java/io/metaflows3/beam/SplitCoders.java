package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Beam schema coders for the core's read plan (engine-free records, so their schemas are declared here): splits
 * travel between workers as rows, compact and readable by any runner, not as Java-serialized objects.
 */
final class SplitCoders {
  static final Schema RANGE = Schema.builder().addStringField("url").addInt64Field("size")
      .addNullableField("etag", Schema.FieldType.STRING).addInt64Field("start").addInt64Field("end")
      .addMapField("partitionValues", Schema.FieldType.STRING, Schema.FieldType.STRING)
      .addBooleanField("immutable").addNullableField("lastModifiedMillis", Schema.FieldType.INT64).build();
  static final Schema SPLIT = Schema.builder().addArrayField("ranges", Schema.FieldType.row(RANGE)).build();

  private SplitCoders() {}

  static SchemaCoder<ObjectRange> ranges() {
    return SchemaCoder.of(RANGE, TypeDescriptor.of(ObjectRange.class), SplitCoders::toRow, SplitCoders::range);
  }

  static SchemaCoder<ReadSplit> splits() {
    return SchemaCoder.of(SPLIT, TypeDescriptor.of(ReadSplit.class),
        split -> Row.withSchema(SPLIT).addValue(split.ranges().stream().map(SplitCoders::toRow).toList()).build(),
        row -> new ReadSplit(row.<Row>getArray("ranges").stream().map(SplitCoders::range).toList()));
  }

  private static Row toRow(ObjectRange r) {
    return Row.withSchema(RANGE).addValues(r.url(), r.size(), r.etag(), r.start(), r.end(), r.partitionValues(),
        r.immutable(), r.lastModified() == null ? null : r.lastModified().toEpochMilli()).build();
  }

  private static ObjectRange range(Row row) {
    return new ObjectRange(row.getString("url"), row.getInt64("size"), row.getString("etag"), row.getInt64("start"),
        row.getInt64("end"), row.getMap("partitionValues"), row.getBoolean("immutable"),
        row.getInt64("lastModifiedMillis") == null ? null
            : java.time.Instant.ofEpochMilli(row.getInt64("lastModifiedMillis")));
  }
}
