package io.metaflows3.spark;

import java.io.Serializable;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.util.RebaseDateTime;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFilters;
import org.apache.spark.sql.internal.SQLConf;

/**
 * A session's Parquet filter push-down settings, taken on the driver, so Spark's own {@code ParquetFilters} can
 * be built where they are needed: planning (which filters convert) and a task's reads ahead (which row groups
 * the reader will skip).
 */
record ParquetPushDown(boolean enabled, boolean date, boolean timestamp, boolean decimal, boolean string,
    int inThreshold, boolean caseSensitive) implements Serializable {

  static ParquetPushDown of(SQLConf conf) {
    return new ParquetPushDown(conf.parquetFilterPushDown(), conf.parquetFilterPushDownDate(),
        conf.parquetFilterPushDownTimestamp(), conf.parquetFilterPushDownDecimal(),
        conf.parquetFilterPushDownStringPredicate(), conf.parquetFilterPushDownInFilterThreshold(),
        conf.caseSensitiveAnalysis());
  }

  /** Spark's converter of filters to Parquet predicates over columns of {@code schema}. */
  ParquetFilters filters(MessageType schema, RebaseDateTime.RebaseSpec rebase) {
    return new ParquetFilters(schema, date, timestamp, decimal, string, inThreshold, caseSensitive, rebase);
  }
}
