package io.metaflows3.spark;

import java.io.FileNotFoundException;
import java.util.Comparator;
import java.util.List;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.Footer;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FileSourceOptions;
import org.apache.spark.sql.errors.QueryExecutionErrors;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFooterReader;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * Spark's Parquet schema inference without mergeSchema ({@code ParquetUtils.inferSchema}: the footer of the first
 * file by path), done on the driver: Spark runs it as a job of one task, which costs a query more than the footer
 * itself. The footer is read and converted by Spark's own code, with the converter settings its inference uses,
 * and corrupt or missing files are skipped or refused as its inference does.
 */
final class FirstFooterSchema {
  private FirstFooterSchema() {}

  static Option<StructType> read(SparkSession spark, SourceOptions options, List<FileStatus> files) {
    FileStatus first = files.stream().min(Comparator.comparing(f -> f.getPath().toString())).orElseThrow();
    Configuration hadoop = spark.sessionState().newHadoopConfWithOptions(options.forSpark());
    FileSourceOptions fileOptions = new FileSourceOptions(options.forSpark());
    try {
      Footer footer = new Footer(first.getPath(), ParquetFooterReader.readFooter(
          HadoopInputFile.fromStatus(first, hadoop), ParquetMetadataConverter.SKIP_ROW_GROUPS));
      return Option.apply(ParquetFileFormat.readSchemaFromFooter(footer, converter(spark.sessionState().conf())));
    } catch (Exception e) {
      boolean missing = ExceptionUtils.getThrowableList(e).stream().anyMatch(FileNotFoundException.class::isInstance);
      if (missing && fileOptions.ignoreMissingFiles() || e instanceof RuntimeException && fileOptions.ignoreCorruptFiles()) {
        return Option.empty();
      }
      throw MetaflowS3DataSource.<RuntimeException>rethrow(
          QueryExecutionErrors.cannotReadFooterForFileError(first.getPath(), e));
    }
  }

  /** The converter of Spark's inference ({@code ParquetFileFormat.mergeSchemasInParallel}): other settings default. */
  private static ParquetToSparkSchemaConverter converter(SQLConf conf) {
    Configuration settings = new Configuration(false);
    settings.setBoolean(SQLConf.PARQUET_BINARY_AS_STRING().key(), conf.isParquetBinaryAsString());
    settings.setBoolean(SQLConf.PARQUET_INT96_AS_TIMESTAMP().key(), conf.isParquetINT96AsTimestamp());
    settings.set(SQLConf.CASE_SENSITIVE().key(), SQLConf.CASE_SENSITIVE().defaultValueString());
    settings.setBoolean(SQLConf.PARQUET_INFER_TIMESTAMP_NTZ_ENABLED().key(), conf.parquetInferTimestampNTZEnabled());
    settings.setBoolean(SQLConf.LEGACY_PARQUET_NANOS_AS_LONG().key(), conf.legacyParquetNanosAsLong());
    settings.setBoolean(SQLConf.PARQUET_READER_RESPECT_UNKNOWN_TYPE_ANNOTATION().key(),
        conf.parquetReaderRespectUnknownTypeAnnotation());
    return new ParquetToSparkSchemaConverter(settings);
  }
}
