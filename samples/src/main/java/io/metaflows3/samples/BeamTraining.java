package io.metaflows3.samples;

import io.metaflows3.beam.MetaflowS3IO;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.api.S3Settings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Per-country model training on Beam: read the sales table partition-limited (only the chosen countries'
 * prefixes are listed, in parallel), sum each country's normal equations, fit, and write a model and a
 * metrics JSON per country under the training run, race-free.
 */
public final class BeamTraining {
  static final Schema ROW = Schema.builder().addStringField("country").addDoubleField("x1").addDoubleField("x2")
      .addDoubleField("x3").addDoubleField("y").build();

  private BeamTraining() {}

  /** Where the models go, below the training run. */
  public static final String MODELS = "models/beam/";

  /** The connector's counters of the pipeline. */
  public record Outcome(long rangesRead, long bytesRead, long requests, long objectsWritten) {}

  public static Outcome train(S3Settings settings, String s3root, FlowRun data, FlowRun training,
      List<String> countries, long bundleBytes) {
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setTargetParallelism(Math.max(2, Runtime.getRuntime().availableProcessors()));
    // The DirectRunner's per-element immutability and encoding checks are for testing DoFns; they would cost
    // more than the training itself here. Tests keep them on.
    options.setEnforceImmutability(false);
    options.setEnforceEncodability(false);
    Pipeline p = Pipeline.create(options);
    PCollection<KV<String, byte[]>> outputs = p
        .apply("ReadSales", MetaflowS3IO.read().withSettings(settings).withS3root(s3root).withRun(data)
            .withPrefixes(List.of(SalesDataset.PREFIX)).withPartitions("country", countries)
            .withBundleSize(bundleBytes).asParquet(ROW))
        .apply("ByCountry", WithKeys.<String, Row>of(r -> r.getString("country")).withKeyType(TypeDescriptors.strings()))
        .apply("Fit", Combine.perKey(new Fit()))
        .apply("ToJson", FlatMapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(),
                TypeDescriptor.of(byte[].class)))
            .via(kv -> List.of(
                KV.of("country=" + kv.getKey() + "/model.json", utf8(kv.getValue().toJson(kv.getKey(), "beam"))),
                KV.of("country=" + kv.getKey() + "/metrics.json", utf8("{\"rows\": " + kv.getValue().rows()
                    + ", \"rmse\": " + kv.getValue().rmse() + "}")))));
    outputs.apply("WriteModels", MetaflowS3IO.write().withSettings(settings).withS3root(s3root)
        .to(training, MODELS).withContentType("application/json"));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return new Outcome(counter(result, "rangesRead"), counter(result, "bytesRead"), counter(result, "requests"),
        counter(result, "objectsWritten"));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static long counter(PipelineResult result, String name) {
    Iterable<MetricResult<Long>> counters = result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named("metaflow-s3", name)).build()).getCounters();
    return StreamSupport.stream(counters.spliterator(), false).mapToLong(MetricResult::getAttempted).sum();
  }

  /** Sums the normal equations of a country's rows, then solves them. */
  static final class Fit extends Combine.CombineFn<Row, NormalEquations, NormalEquations.Model> {
    @Override
    public NormalEquations createAccumulator() {
      return new NormalEquations(SalesDataset.FEATURES);
    }

    @Override
    public NormalEquations addInput(NormalEquations acc, Row r) {
      return acc.add(new double[] {r.getDouble("x1"), r.getDouble("x2"), r.getDouble("x3")}, r.getDouble("y"));
    }

    @Override
    public NormalEquations mergeAccumulators(Iterable<NormalEquations> accs) {
      NormalEquations merged = createAccumulator();
      accs.forEach(merged::merge);
      return merged;
    }

    @Override
    public NormalEquations.Model extractOutput(NormalEquations acc) {
      return acc.solve();
    }

    @Override
    public Coder<NormalEquations> getAccumulatorCoder(CoderRegistry registry, Coder<Row> input) {
      return SerializableCoder.of(NormalEquations.class);
    }

    @Override
    public Coder<NormalEquations.Model> getDefaultOutputCoder(CoderRegistry registry, Coder<Row> input)
        throws CannotProvideCoderException {
      return SerializableCoder.of(NormalEquations.Model.class);
    }
  }
}
