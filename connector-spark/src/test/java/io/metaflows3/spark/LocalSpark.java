package io.metaflows3.spark;

import org.apache.spark.sql.SparkSession;

/** A Spark session for tests: on loopback only (no traffic may leave 127.0.0.1), no UI, few shuffle partitions. */
final class LocalSpark {
  private LocalSpark() {}

  static SparkSession.Builder builder(String master, String name) {
    return SparkSession.builder().master(master).appName(name)
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false");
  }
}
