package io.metaflows3.samples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.metaflows3.core.metaflow.FlowRun;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Per-country model training on Spark: read the sales table with {@code format("metaflow-s3")} and a country
 * filter pushed down to the listing, sum each country's normal equations in one aggregation, fit on the
 * driver, and write the models partitioned by country under the training run.
 */
public final class SparkTraining {
  public static final String MODELS = "models/spark/";
  private static final String[] X = {"one", "x1", "x2", "x3"};

  private SparkTraining() {}

  /** Fits a model per country; {@code connection} holds the endpoint and credential options, if any. */
  public static Map<String, NormalEquations.Model> train(SparkSession spark, Map<String, String> connection,
      String s3root, FlowRun data, FlowRun training, List<String> countries, long splitBytes) {
    Dataset<Row> sales = spark.read().format("metaflow-s3").options(connection).option("s3root", s3root)
        .option("run", data.toString()).option("splitSize", Long.toString(splitBytes)).load(SalesDataset.PREFIX)
        .where(col("country").isin(countries.toArray()))
        .withColumn("one", lit(1.0));
    List<Column> sums = new ArrayList<>();
    sums.add(count(lit(1)).alias("n"));
    sums.add(sum(col("y").multiply(col("y"))).alias("yy"));
    for (String a : X) {
      sums.add(sum(col(a).multiply(col("y"))).alias(a + "_y"));
      for (String b : X) {
        sums.add(sum(col(a).multiply(col(b))).alias(a + "_" + b));
      }
    }
    Map<String, NormalEquations.Model> models = new LinkedHashMap<>();
    for (Row r : sales.groupBy("country").agg(sums.get(0), sums.subList(1, sums.size()).toArray(Column[]::new))
        .orderBy("country").collectAsList()) {
      double[] xtx = new double[X.length * X.length];
      double[] xty = new double[X.length];
      for (int i = 0; i < X.length; i++) {
        xty[i] = r.<Double>getAs(X[i] + "_y");
        for (int j = 0; j < X.length; j++) {
          xtx[i * X.length + j] = r.<Double>getAs(X[i] + "_" + X[j]);
        }
      }
      models.put(r.getAs("country"), NormalEquations.of(xtx, xty, r.<Double>getAs("yy"), r.<Long>getAs("n")).solve());
    }
    write(spark, connection, s3root, training, models);
    return models;
  }

  private static void write(SparkSession spark, Map<String, String> connection, String s3root, FlowRun training,
      Map<String, NormalEquations.Model> models) {
    StructType schema = new StructType().add("country", DataTypes.StringType).add("rows", DataTypes.LongType)
        .add("rmse", DataTypes.DoubleType).add("b0", DataTypes.DoubleType).add("b1", DataTypes.DoubleType)
        .add("b2", DataTypes.DoubleType).add("b3", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    models.forEach((country, m) -> rows.add(RowFactory.create(country, m.rows(), m.rmse(), m.coefficients()[0],
        m.coefficients()[1], m.coefficients()[2], m.coefficients()[3])));
    spark.createDataFrame(rows, schema).write().format("metaflow-s3").options(connection).option("s3root", s3root)
        .option("run", training.toString()).partitionBy("country").mode(SaveMode.Append).save(MODELS);
  }
}
