package io.metaflows3.beam;

import io.metaflows3.core.ObjectBytes;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import io.metaflows3.core.S3Settings;
import io.metaflows3.core.S3Url;

/**
 * Emits each range as a {@link MetaflowS3Object}: a whole object, or a byte chunk of a large one, read into
 * memory in parallel parts (the element holds the bytes anyway, so a temp file would only add a copy).
 */
final class ReadObjectsFn extends ReadSplitFn<MetaflowS3Object> {
  ReadObjectsFn(S3Settings settings) {
    super(settings);
  }

  @Override
  void read(S3 s3, ObjectRange range, OutputReceiver<MetaflowS3Object> out) {
    ObjectBytes read = s3.readRange(range);
    S3Object info = read.info();
    out.output(new MetaflowS3Object(range.url(), S3Url.parse(range.url()).key(), range.size(), range.start(),
        range.length(), info.contentType().orElse(""), info.metadata(), info.lineage(),
        read.bytes()));
  }
}
