package io.metaflows3.beam;

import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.ParquetRangeReader;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.example.data.Group;

/** Emits the records of the Parquet row groups each range owns, as rows of the given schema. */
final class ReadParquetFn extends ReadSplitFn<Row> {
  private final Schema schema;

  ReadParquetFn(S3Settings settings, Schema schema) {
    super(settings);
    this.schema = schema;
  }

  @Override
  void read(S3 s3, ObjectRange range, OutputReceiver<Row> out) {
    try (ParquetRangeReader reader = new ParquetRangeReader(s3, range, schema.getFieldNames())) {
      for (Group g; (g = reader.next()) != null; ) {
        out.output(ParquetRows.toRow(g, schema, range.partitionValues()));
      }
    }
  }
}
