package io.metaflows3.samples;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.core.table.Runs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * The main job: the seed examples, then a sales table partitioned by country, one model per country trained
 * with Beam and again with Spark, both written under a new run of {@value #FLOW}, checked against each other
 * and against the coefficients the data was made with.
 */
public final class MainJob {
  public static final String FLOW = "CountryModelFlow";
  private static final Pattern COEFFICIENTS = Pattern.compile("\"coefficients\": \\[([^\\]]*)\\]");
  private static final Pattern COUNTRY = Pattern.compile("\"country\": \"([A-Z]+)\"");

  /** The job's inputs: where to work and how big the table is. */
  public record Config(S3Settings settings, String s3root, Map<String, String> sparkConnection, int countries,
      long rows, long rowsPerFile, long rowGroupBytes, long splitBytes, Path scratch, PrintStream out) {}

  /** One country's outcome: rows, both engines' RMSE, how far the engines differ and how far from the truth. */
  public record CountryResult(String code, long rows, double beamRmse, double sparkRmse, double engineGap,
      double truthError) {}

  /** What a run of the job did. */
  public record Result(FlowRun data, FlowRun training, Optional<FlowRun> previous,
      Map<String, List<String>> examples, List<String> modelUrls, List<CountryResult> countries, BeamTraining.Outcome beam, long millis) {}

  private MainJob() {}

  public static Result run(Config c, SparkSession spark) {
    long start = System.nanoTime();
    PrintStream out = c.out();
    Optional<FlowRun> previous;
    FlowRun training;
    FlowRun data;
    try (S3 s3 = S3.builder().settings(c.settings()).s3root(c.s3root()).build()) {
      previous = Runs.latest(s3, FLOW);
      training = FlowRun.of(FLOW, newRunId(previous));
      data = FlowRun.of(SalesDataset.FLOW, newRunId(Runs.latest(s3, SalesDataset.FLOW)));
    }
    out.println("Run " + training + " (s3root " + c.s3root() + ")");

    step(out, 1, "metaflow.S3 examples (S3DemoFlow/" + training.runId() + ")", start);
    // The documentation's examples, with this job's s3root standing for its s3://my-bucket/... locations.
    Map<String, List<String>> examples = new SeedExamples(c.settings(), c.s3root() + "/savin/tmp", c.s3root(),
        training.runId()).runAll(c.scratch(), out);

    List<SalesDataset.Country> countries = SalesDataset.countries(c.countries(), c.rows(), 42);
    step(out, 2, "generating " + c.rows() + " sales rows in " + countries.size() + " countries as Parquet under "
        + data, start);
    List<String> files = SalesDataset.generate(c.settings(), c.s3root(), data, countries, c.rowsPerFile(),
        c.rowGroupBytes(), scratchOf(c, data), 7);
    out.println("    " + files.size() + " Parquet files, e.g. " + files.get(0));

    List<String> codes = countries.stream().map(SalesDataset.Country::code).toList();
    step(out, 3, "Beam: read each country's shard, fit, write models/beam/ under " + training, start);
    BeamTraining.Outcome beam = BeamTraining.train(c.settings(), c.s3root(), data, training, codes, c.splitBytes());
    out.println(String.format(Locale.ROOT, "    read %d ranges, %.1f MiB in %d requests; wrote %d objects",
        beam.rangesRead(), beam.bytesRead() / 1048576.0, beam.requests(), beam.objectsWritten()));

    step(out, 4, "Spark: read with the country filter pushed down, fit, write models/spark/", start);
    Map<String, NormalEquations.Model> sparkModels = SparkTraining.train(spark, c.sparkConnection(), c.s3root(), data,
        training, codes, c.splitBytes());

    step(out, 5, "checking both engines' models against each other and the truth", start);
    List<String> urls = new ArrayList<>();
    Map<String, double[]> beamModels = new TreeMap<>();
    Map<String, Double> beamRmse = new TreeMap<>();
    try (S3 s3 = S3.builder().settings(c.settings()).s3root(c.s3root()).run(training).build()) {
      ReadPlanner planner = new ReadPlanner(s3);
      for (ObjectRange o : planner.listPrefixes(List.of(BeamTraining.MODELS, SparkTraining.MODELS),
          PartitionFilter.ALL)) {
        urls.add(o.url());
      }
      for (ObjectRange o : planner.listPrefixes(List.of(BeamTraining.MODELS), PartitionFilter.ALL)) {
        if (o.url().endsWith(".json") && o.url().contains("/model-")) {
          String json = s3.get(o.url().substring(s3.root().orElseThrow().length())).text();
          String code = match(COUNTRY, json);
          beamModels.put(code, Arrays.stream(match(COEFFICIENTS, json).split(",")).map(String::trim)
              .mapToDouble(Double::parseDouble).toArray());
          beamRmse.put(code, Double.parseDouble(json.replaceAll(".*\"rmse\": ([^,]+),.*", "$1")));
        }
      }
    }
    List<CountryResult> results = new ArrayList<>();
    for (SalesDataset.Country country : countries) {
      NormalEquations.Model spark1 = sparkModels.get(country.code());
      double[] beam1 = beamModels.get(country.code());
      if (spark1 == null || beam1 == null) {
        throw new IllegalStateException("no model for " + country.code() + " (beam " + (beam1 != null) + ", spark "
            + (spark1 != null) + ")");
      }
      double gap = 0;
      double truth = 0;
      for (int i = 0; i < beam1.length; i++) {
        gap = Math.max(gap, Math.abs(beam1[i] - spark1.coefficients()[i]));
        truth = Math.max(truth, Math.abs(spark1.coefficients()[i] - country.trueCoefficients()[i]));
      }
      results.add(new CountryResult(country.code(), spark1.rows(), beamRmse.get(country.code()), spark1.rmse(), gap,
          truth));
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    Result result = new Result(data, training, previous, examples, urls, results, beam, millis);
    step(out, 6, "done", start);
    summary(result, c.s3root(), out);
    return result;
  }

  private static void summary(Result r, String s3root, PrintStream out) {
    out.println();
    out.println("Summary of " + r.training() + (r.previous().map(p -> " (previous run " + p.runId()
        + " left untouched)").orElse(" (first run)")));
    out.println("  models: " + r.modelUrls().size() + " objects under " + s3root + "/" + r.training() + "/models/");
    r.modelUrls().stream().limit(4).forEach(u -> out.println("    " + u));
    out.println("    ...");
    out.println("  country      rows   rmse(beam)  rmse(spark)  |beam-spark|  |spark-truth|");
    for (CountryResult c : r.countries()) {
      out.println(String.format(Locale.ROOT, "  %-4s %12d %12.4f %12.4f %12.2e %12.4f", c.code(), c.rows(),
          c.beamRmse(), c.sparkRmse(), c.engineGap(), c.truthError()));
    }
    out.println(String.format(Locale.ROOT, "  Beam read %d ranges, %.1f MiB, %d requests; total time %.1f s",
        r.beam().rangesRead(), r.beam().bytesRead() / 1048576.0, r.beam().requests(), r.millis() / 1000.0));
  }

  private static Path scratchOf(Config c, FlowRun run) {
    try {
      return java.nio.file.Files.createDirectories(c.scratch().resolve(run.flow() + "-" + run.runId()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void step(PrintStream out, int n, String what, long start) {
    out.println(String.format(Locale.ROOT, "[%d/6 %6.1fs] %s", n, (System.nanoTime() - start) / 1e9, what));
  }

  private static String match(Pattern p, String text) {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("unexpected model JSON: " + text);
    }
    return m.group(1);
  }

  /** A run id like metaflow's local ones (a timestamp), above every earlier run of the flow. */
  private static String newRunId(Optional<FlowRun> latest) {
    long id = System.currentTimeMillis();
    if (latest.isPresent() && latest.get().runId().matches("\\d+")) {
      id = Math.max(id, Long.parseLong(latest.get().runId()) + 1);
    }
    return Long.toString(id);
  }
}
