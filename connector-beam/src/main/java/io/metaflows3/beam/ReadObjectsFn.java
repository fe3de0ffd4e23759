package io.metaflows3.beam;

import io.metaflows3.core.ByteRange;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3GetObject;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Settings;
import io.metaflows3.core.S3Url;

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
      out.output(new MetaflowS3Object(o.url(), S3Url.parse(o.url()).key(), range.size(), range.start(), range.length(),
          o.contentType().orElse(""), o.metadata(), o.blob()));
    } finally {
      s3.release(o);
    }
  }
}
