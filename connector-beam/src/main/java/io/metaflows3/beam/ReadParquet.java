package io.metaflows3.beam;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A read's Parquet objects as rows of a schema; see {@link MetaflowS3IO.Read#asParquet(Schema)}. Each range
 * reads the row groups whose midpoint it holds, the schema's columns only.
 */
@AutoValue
public abstract class ReadParquet extends PTransform<PBegin, PCollection<Row>> {
  abstract MetaflowS3IO.Read getRead();

  abstract Schema getSchema();

  abstract @Nullable FilterPredicate getFilter();

  static ReadParquet of(MetaflowS3IO.Read read, Schema schema) {
    if (schema == null) {
      throw new IllegalArgumentException("asParquet needs a schema (or none: asParquet() reads it from a footer)");
    }
    return new AutoValue_ReadParquet(read, schema, null);
  }

  /**
   * Reads only the rows {@code filter} (Parquet's own predicate, made with {@code FilterApi}) keeps, on file
   * columns the schema names: row groups and pages it rules out by their statistics, dictionaries and column
   * indexes are not fetched.
   */
  public ReadParquet withFilter(FilterPredicate filter) {
    if (filter == null) {
      throw new IllegalArgumentException("filter must not be null");
    }
    return new AutoValue_ReadParquet(getRead(), getSchema(), filter);
  }

  /** The same rows, each with the URL of its object: {@code KV<url, row>}. */
  public PTransform<PBegin, PCollection<KV<String, Row>>> withSourceUrls() {
    ReadParquet parquet = this;
    return new PTransform<>("ReadParquetWithUrls") {
      @Override
      public PCollection<KV<String, Row>> expand(PBegin input) {
        PipelineOptions options = input.getPipeline().getOptions();
        return parquet.getRead().apply(input, new WithSourceUrlsFn<>(parquet.getRead().settings(options),
            parquet.reader(options)), "ReadParquet").setCoder(KvCoder.of(StringUtf8Coder.of(),
            RowCoder.of(parquet.getSchema())));
      }

      @Override
      public void populateDisplayData(DisplayData.Builder builder) {
        super.populateDisplayData(builder);
        parquet.populateDisplayData(builder);
      }
    };
  }

  private ReadParquetFn reader(PipelineOptions options) {
    return new ReadParquetFn(getRead().settings(options), getSchema(), getFilter());
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    return getRead().apply(input, reader(input.getPipeline().getOptions()), "ReadParquet").setRowSchema(getSchema());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    getRead().populateDisplayData(builder);
    builder.add(DisplayData.item("schema", getSchema().toString()))
        .addIfNotNull(DisplayData.item("filter", getFilter() == null ? null : getFilter().toString()));
  }
}
