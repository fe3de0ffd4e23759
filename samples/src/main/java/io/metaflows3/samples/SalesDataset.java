package io.metaflows3.samples;

import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * A realistic sales table partitioned by country ({@code sales/country=XX/part-*.parquet}), stored under a run
 * of {@value #FLOW}: countries of very uneven sizes, several files and row groups each, the largest files big
 * enough to be cut into byte ranges, plus the marker and JSON files an export job leaves behind. Each
 * country's target is a known linear function of three features plus noise, so fitted models can be checked.
 */
public final class SalesDataset {
  public static final String FLOW = "SalesDataFlow";
  public static final String PREFIX = "sales/";
  static final int FEATURES = 3;
  static final double NOISE = 0.5;
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message sales { required int64 id; "
      + "required double x1; required double x2; required double x3; required double y; }");
  private static final String[] CODES = {"US", "IN", "BR", "DE", "JP", "GB", "FR", "MX", "ID", "CA", "IT", "KR",
      "ES", "AU", "TR", "NL", "PL", "SE", "AR", "ZA", "NG", "EG", "NO", "CH", "CL", "PT", "VN", "NZ"};

  /** One country's share of the table and the coefficients (intercept first) its target was made with. */
  public record Country(String code, long rows, double[] trueCoefficients) {}

  private SalesDataset() {}

  /** {@code count} countries sharing {@code totalRows} unevenly (a Zipf-like law), with seeded coefficients. */
  public static List<Country> countries(int count, long totalRows, long seed) {
    if (count < 1 || count > CODES.length) {
      throw new IllegalArgumentException("between 1 and " + CODES.length + " countries, got " + count);
    }
    Random random = new Random(seed);
    double[] weights = new double[count];
    double sum = 0;
    for (int i = 0; i < count; i++) {
      weights[i] = 1 / Math.pow(i + 1, 0.9);
      sum += weights[i];
    }
    List<Country> countries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      double[] b = new double[FEATURES + 1];
      for (int j = 0; j <= FEATURES; j++) {
        b[j] = Math.round((random.nextDouble() * 10 - 5) * 100) / 100.0;
      }
      countries.add(new Country(CODES[i], Math.max(200, Math.round(totalRows * weights[i] / sum)), b));
    }
    return countries;
  }

  /**
   * Writes the table under {@code <s3root>/SalesDataFlow/<runId>/sales/} and returns the URLs stored. Files hold
   * at most {@code rowsPerFile} rows, in row groups of about {@code rowGroupBytes}.
   */
  public static List<String> generate(S3Settings settings, String s3root, FlowRun run, List<Country> countries,
      long rowsPerFile, long rowGroupBytes, Path scratch, long seed) {
    Random random = new Random(seed);
    Map<String, Path> files = new LinkedHashMap<>();
    long id = 0;
    for (Country c : countries) {
      int part = 0;
      for (long done = 0; done < c.rows(); done += rowsPerFile, part++) {
        long n = Math.min(rowsPerFile, c.rows() - done);
        Path file = scratch.resolve(c.code() + "-" + part + ".parquet");
        writeFile(file, c, n, id, rowGroupBytes, random);
        id += n;
        files.put(PREFIX + "country=" + c.code() + "/part-" + String.format(Locale.ROOT, "%05d", part) + ".parquet",
            file);
      }
    }
    try (S3 s3 = S3.builder().settings(settings).s3root(s3root).run(run).build()) {
      List<String> urls = new ArrayList<>();
      s3.putFiles(files).forEach(o -> urls.add(o.url()));
      // What an export job leaves beside the data: readers of the table skip these hidden names.
      for (Country c : countries) {
        s3.put(PREFIX + "country=" + c.code() + "/_SUCCESS", "");
      }
      s3.put(io.metaflows3.core.api.S3PutObject.of(PREFIX + "_export.json", "{\"exporter\": \"sales-etl\", \"countries\": "
          + countries.size() + ", \"seed\": " + seed + "}").withContentType("application/json"));
      s3.put(io.metaflows3.core.api.S3PutObject.of(PREFIX + "_schema.json", "{\"columns\": [\"id\", \"x1\", \"x2\", "
          + "\"x3\", \"y\"], \"partitionedBy\": [\"country\"]}").withContentType("application/json"));
      return urls;
    }
  }

  private static void writeFile(Path file, Country c, long rows, long firstId, long rowGroupBytes, Random random) {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(SCHEMA)
        .withCompressionCodec(CompressionCodecName.SNAPPY).withRowGroupSize(rowGroupBytes)
        .withPageSize((int) Math.min(rowGroupBytes, 1 << 20)).build()) {
      double[] b = c.trueCoefficients();
      for (long i = 0; i < rows; i++) {
        double x1 = random.nextGaussian() * 2;
        double x2 = random.nextDouble() * 10;
        double x3 = random.nextGaussian() + (x1 > 0 ? 1 : 0);
        double y = b[0] + b[1] * x1 + b[2] * x2 + b[3] * x3 + random.nextGaussian() * NOISE;
        writer.write(groups.newGroup().append("id", firstId + i).append("x1", x1).append("x2", x2)
            .append("x3", x3).append("y", y));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
