package io.metaflows3.samples.docs;

// doc:spark-read-write
import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
// end:spark-read-write
import org.apache.spark.sql.SparkSession;

/** The Spark snippet of README.md: compiled, taking the session and the rows to write as they read there. */
final class SparkSnippets {
  private SparkSnippets() {}

  @SuppressWarnings("unused")
  static void readAndWrite(SparkSession spark, Dataset<Row> models) {
    // doc:spark-read-write
    Dataset<Row> us = spark.read().format("metaflow-s3")
        .option("s3root", "s3://bucket/data").option("run", "SalesDataFlow/42")
        .load("sales/")                                  // or .load("s3://bucket/prefix/", ...)
        .where(col("country").equalTo("US"));            // lists and reads only country=US/

    models.write().format("metaflow-s3").option("s3root", "s3://bucket/data").option("run", "TrainFlow/7")
        .partitionBy("country").mode("append").save("models/");
    // end:spark-read-write
  }
}
