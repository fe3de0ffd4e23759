package io.metaflows3.beam;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/** The result of {@link MetaflowS3IO#write()}: the URLs of the objects written, available once committed. */
public final class WriteResult implements POutput {
  private static final TupleTag<String> URLS = new TupleTag<>("writtenUrls");
  private final PCollection<String> urls;

  WriteResult(PCollection<String> urls) {
    this.urls = urls;
  }

  /** The full {@code s3://} URL of every committed object: chain on it to wait for the write. */
  public PCollection<String> getWrittenUrls() {
    return urls;
  }

  @Override
  public Pipeline getPipeline() {
    return urls.getPipeline();
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(URLS, urls);
  }

  @Override
  public void finishSpecifyingOutput(String transformName, PInput input, PTransform<?, ?> transform) {}
}
