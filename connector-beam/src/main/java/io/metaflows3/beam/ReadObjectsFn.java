package io.metaflows3.beam;

import io.metaflows3.core.ByteRange;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3GetObject;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Settings;

/** Emits each range as a {@link MetaflowS3Object}: a whole object, or a byte chunk of a large one. */
final class ReadObjectsFn extends ReadSplitFn<MetaflowS3Object> {
  ReadObjectsFn(S3Settings settings) {
    super(settings);
  }

  @Override
  void read(S3 s3, ObjectRange range, OutputReceiver<MetaflowS3Object> out) {
    S3Object o = range.isWhole() ? s3.get(range.url())
        : s3.get(S3GetObject.of(range.url(), ByteRange.of(range.start(), range.length())));
    try {
      out.output(new MetaflowS3Object(o.url(), keyOf(o.url()), range.size(), range.start(), range.length(),
          o.contentType().orElse(""), o.metadata(), o.blob()));
    } finally {
      s3.release(o);
    }
  }

  /** The key without the bucket: {@code s3://b/k/x} gives {@code k/x}. */
  private static String keyOf(String url) {
    String rest = url.substring("s3://".length());
    return rest.substring(rest.indexOf('/') + 1);
  }
}
