package io.metaflows3.beam;

import io.metaflows3.core.LineReader;
import io.metaflows3.core.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;

/** Emits the text lines that start in each range, so every line is read once whatever the split. */
final class ReadLinesFn extends ReadSplitFn<String> {
  ReadLinesFn(S3Settings settings) {
    super(settings);
  }

  @Override
  void read(S3 s3, ObjectRange range, OutputReceiver<String> out) {
    LineReader reader = new LineReader(s3, range);
    for (String line; (line = reader.next()) != null; ) {
      out.output(line);
    }
  }
}
