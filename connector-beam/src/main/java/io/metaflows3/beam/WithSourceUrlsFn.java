package io.metaflows3.beam;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.values.KV;

/** Another reader's records, each with the URL of the object it came from. */
final class WithSourceUrlsFn<T> extends ReadSplitFn<KV<String, T>> {
  private final ReadSplitFn<T> reader;

  WithSourceUrlsFn(S3Settings settings, ReadSplitFn<T> reader) {
    super(settings);
    this.reader = reader;
  }

  @Override
  void prepare() {
    reader.prepare();
  }

  @Override
  boolean divisible() {
    return reader.divisible();
  }

  @Override
  void start(S3 s3, List<ObjectRange> parts, List<ObjectRange> wholes) {
    reader.start(s3, parts, wholes);
  }

  @Override
  List<Failure> takeFailures() {
    return reader.takeFailures();
  }

  @Override
  void finish() {
    reader.finish();
  }

  @Override
  boolean read(S3 s3, ObjectRange range, Claim claim, Consumer<KV<String, T>> emit) {
    return reader.read(s3, range, claim, record -> emit.accept(KV.of(range.url(), record)));
  }
}
