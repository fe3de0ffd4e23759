package io.metaflows3.beam;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A read's objects as text lines, each exactly once whatever the split; see {@link MetaflowS3IO.Read#asLines()}.
 * Objects are decompressed by Beam's {@link Compression} ({@code AUTO}, the default: by the object's name, as
 * {@code TextIO} does).
 */
@AutoValue
public abstract class ReadLines extends PTransform<PBegin, PCollection<String>> {
  abstract MetaflowS3IO.Read getRead();

  abstract Compression getCompression();

  @SuppressWarnings("mutable")
  abstract byte @Nullable [] getDelimiter();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setRead(MetaflowS3IO.Read read);

    abstract Builder setCompression(Compression compression);

    abstract Builder setDelimiter(byte @Nullable [] delimiter);

    abstract ReadLines build();
  }

  static ReadLines of(MetaflowS3IO.Read read) {
    return new AutoValue_ReadLines.Builder().setRead(read).setCompression(Compression.AUTO).build();
  }

  /** Decompresses every object as {@code compression} says ({@code AUTO}: by its name). */
  public ReadLines withCompression(Compression compression) {
    if (compression == null) {
      throw new IllegalArgumentException("compression must not be null");
    }
    return toBuilder().setCompression(compression).build();
  }

  /**
   * Lines ended by {@code delimiter} (as {@code TextIO.read().withDelimiter(..)}), instead of {@code \n}, {@code \r}
   * or {@code \r\n}.
   */
  public ReadLines withDelimiter(byte[] delimiter) {
    if (delimiter == null || delimiter.length == 0 || io.metaflows3.core.LineReader.selfOverlapping(delimiter)) {
      throw new IllegalArgumentException("a line delimiter needs at least one byte and must not overlap itself "
          + "(a start of it that is also an end of it), as TextIO requires");
    }
    return toBuilder().setDelimiter(delimiter.clone()).build();
  }

  /** The same lines, each with the URL of its object: {@code KV<url, line>}. */
  public PTransform<PBegin, PCollection<KV<String, String>>> withSourceUrls() {
    ReadLines lines = this;
    return new PTransform<>("ReadLinesWithUrls") {
      @Override
      public PCollection<KV<String, String>> expand(PBegin input) {
        PipelineOptions options = input.getPipeline().getOptions();
        return lines.getRead().apply(input, new WithSourceUrlsFn<>(lines.getRead().settings(options),
            lines.reader(options)), "ReadLines").setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
      }

      @Override
      public void populateDisplayData(DisplayData.Builder builder) {
        super.populateDisplayData(builder);
        lines.populateDisplayData(builder);
      }
    };
  }

  private ReadLinesFn reader(PipelineOptions options) {
    return new ReadLinesFn(getRead().settings(options), getCompression(), getDelimiter());
  }

  @Override
  public PCollection<String> expand(PBegin input) {
    return getRead().apply(input, reader(input.getPipeline().getOptions()), "ReadLines").setCoder(StringUtf8Coder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    getRead().populateDisplayData(builder);
    builder.add(DisplayData.item("compression", getCompression().toString()))
        .addIfNotNull(DisplayData.item("delimiter", getDelimiter() == null ? null
            : java.util.HexFormat.of().formatHex(getDelimiter())));
  }
}
