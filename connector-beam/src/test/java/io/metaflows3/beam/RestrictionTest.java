package io.metaflows3.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.ReadSplit;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.ReadPlanner;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.splittabledofn.OffsetRangeTracker;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restriction logic of reads, against real objects: a split's restriction cut into initial pieces, and each
 * piece split again while it runs (after any number of claims, at any fraction, the residual split in turn, as
 * Beam's tracker does for a runner), reads every line, row and object exactly once and in order.
 */
@ExtendWith(LocalS3Extension.class)
class RestrictionTest {
  private static final double[] FRACTIONS = {0.0, 0.01, 0.3, 0.5, 0.9};
  private static final int[] CLAIMS_BEFORE_SPLIT = {0, 1, 2, 7, 40, 400};

  @Test
  void piecesAreConsecutiveAndHoldEachRangeOrByteOnce() {
    Random random = new Random(7);
    for (int n : new int[] {1, 2, 17, 300}) {
      List<ObjectRange> ranges = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long size = random.nextInt(4) == 0 ? 40L << 20 : random.nextInt(1 << 20);
        ranges.add(new ObjectRange("s3://b/o" + i, size, "e", 0, size, null));
      }
      SplitPositions positions = new SplitPositions(new ReadSplit(ranges));
      OffsetRange all = new OffsetRange(0, positions.end());
      for (boolean divisible : new boolean[] {false, true}) {
        List<OffsetRange> pieces = positions.pieces(all, 16L << 20, divisible);
        long next = 0;
        long[] bytes = new long[n];
        int[] wholes = new int[n];
        for (OffsetRange p : pieces) {
          assertEquals(next, p.getFrom(), "pieces are consecutive");
          assertTrue(p.getTo() > p.getFrom(), "no empty piece");
          assertTrue(!divisible || p.getTo() - p.getFrom() <= 16L << 20, "a divisible piece is at most the size");
          for (SplitPositions.Part part : positions.parts(p, divisible)) {
            bytes[part.index()] += part.range().length();
            wholes[part.index()]++;
          }
          next = p.getTo();
        }
        assertEquals(positions.end(), next, "pieces cover the split");
        for (int i = 0; i < n; i++) {
          if (divisible) {
            assertEquals(ranges.get(i).length(), bytes[i], "each byte of range " + i + " in one piece");
          } else {
            assertEquals(1, wholes[i], "range " + i + " in exactly one piece");
          }
        }
      }
    }
  }

  @Test
  void linesAreReadOnceWhereverARestrictionIsSplit(LocalS3Server server) throws Exception {
    S3Settings settings = LocalS3.settings(server).partSize(16 * 1024).build();
    String prefix = LocalS3.root(server, "restrict/lines/");
    Random random = new Random(3);
    List<String> expected = new ArrayList<>();
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.put(prefix + "a-big.txt", "\uFEFF" + text(random, 2_000, expected)); // a byte order mark, dropped
      s3.put(prefix + "b-empty.txt", "");
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write(text(random, 50, expected).getBytes(StandardCharsets.UTF_8));
      }
      s3.put(prefix + "c-small.gz", gz.toByteArray());
      s3.put(prefix + "d-one-line.txt", text(random, 1, expected));
      ReadSplit split = cut(new ReadPlanner(s3).listPrefixes(List.of(prefix), PartitionFilter.ALL), 20_000);
      assertTrue(split.ranges().stream().filter(r -> r.url().endsWith("a-big.txt")).count() >= 4,
          "the large object is cut into several ranges: " + split);
      assertReadOnce(new ReadLinesFn(settings, Compression.AUTO, null), split, settings, expected, s -> s);
    }
  }

  @Test
  void rowGroupsAreReadOnceWhereverARestrictionIsSplit(LocalS3Server server, @TempDir Path dir) throws Exception {
    S3Settings settings = LocalS3.settings(server).build();
    Path file = dir.resolve("part-0.parquet");
    var type = MessageTypeParser.parseMessageType("message t { required int64 id; required binary s (STRING); }");
    Schema schema = Schema.builder().addInt64Field("id").addStringField("s").build();
    List<Long> expected = new ArrayList<>();
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    try (ParquetWriter<org.apache.parquet.example.data.Group> writer = ExampleParquetWriter.builder(
        new LocalOutputFile(file)).withType(type).withRowGroupSize(8 * 1024).withPageSize(2 * 1024).build()) {
      for (long i = 0; i < 6_000; i++) {
        writer.write(groups.newGroup().append("id", i).append("s", "row " + i));
        expected.add(i);
      }
    }
    String prefix = LocalS3.root(server, "restrict/parquet/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.putFiles(Map.of(prefix + "part-0.parquet", file));
      ReadSplit split = cut(new ReadPlanner(s3).listPrefixes(List.of(prefix), PartitionFilter.ALL), 9_000);
      assertReadOnce(new ReadParquetFn(settings, schema, null), split, settings, expected,
          (Row row) -> row.getInt64("id"));
    }
  }

  @Test
  void objectsAreReadOnceWhereverARestrictionIsSplit(LocalS3Server server) throws Exception {
    S3Settings settings = LocalS3.settings(server).build();
    String prefix = LocalS3.root(server, "restrict/objects/");
    List<String> expected = new ArrayList<>();
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (int i = 0; i < 60; i++) {
        s3.put(prefix + String.format("o%03d", i), new byte[i % 10 == 0 ? 0 : 100 * i]);
      }
      ReadSplit split = cut(new ReadPlanner(s3).listPrefixes(List.of(prefix), PartitionFilter.ALL), 2_000);
      split.ranges().forEach(r -> expected.add(r.url() + "@" + r.start()));
      assertReadOnce(new ReadObjectsFn(settings), split, settings, expected,
          (MetaflowS3Object o) -> o.url + "@" + o.offset);
    }
  }

  /**
   * Objects larger than a chunk come as chunks starting at multiples of its size (and at their range's start),
   * each once wherever a restriction is split.
   */
  @Test
  void chunksOfLargeObjectsAreReadOnceWhereverARestrictionIsSplit(LocalS3Server server) throws Exception {
    S3Settings settings = LocalS3.settings(server).build();
    String prefix = LocalS3.root(server, "restrict/chunks/");
    List<String> expected = new ArrayList<>();
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (int i = 0; i < 12; i++) {
        s3.put(prefix + String.format("o%03d", i), new byte[i % 5 == 0 ? 0 : 517 * i]);
      }
      ReadSplit split = cut(new ReadPlanner(s3).listPrefixes(List.of(prefix), PartitionFilter.ALL), 2_000);
      for (ObjectRange r : split.ranges()) {
        long at = r.start();
        do {
          long end = Math.min(r.end(), (at / 300 + 1) * 300);
          expected.add(r.url() + "@" + at + "+" + (end - at));
          at = end;
        } while (at < r.end());
      }
      assertReadOnce(new ReadObjectsFn(settings, 300), split, settings, expected,
          (MetaflowS3Object o) -> o.url + "@" + o.offset + "+" + o.bytes.length);
    }
  }

  @Test
  void aFailureDownstreamOfTheReadFailsItAndIsNeverABadRange(LocalS3Server server) throws Exception {
    S3Settings settings = LocalS3.settings(server).build();
    String prefix = LocalS3.root(server, "restrict/downstream/");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.put(prefix + "a.txt", "one\ntwo\n");
      ReadSplit split = cut(new ReadPlanner(s3).listPrefixes(List.of(prefix), PartitionFilter.ALL), 1_000);
      ReadLinesFn fn = new ReadLinesFn(settings, Compression.AUTO, null);
      fn.setup();
      List<ObjectRange> bad = new ArrayList<>();
      IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> fn.read(split,
          new OffsetRangeTracker(new OffsetRange(0, new SplitPositions(split).end())), (line, range) -> {
            throw new IllegalStateException("downstream of " + line);
          }, (range, error) -> bad.add(range)));
      fn.teardown();
      assertEquals("downstream of one", thrown.getMessage(), "the downstream failure itself, unwrapped");
      assertEquals(List.of(), bad, "the range read fine: no bad record for it");
    }
  }

  /** Lines of random lengths (some empty, some with "\r\n"), appended to {@code lines}, as one text. */
  /** Lines ended by "\n", "\r\n" or "\r" (TextIO's line ends), some empty. */
  private static String text(Random random, int count, List<String> lines) {
    StringBuilder text = new StringBuilder();
    String end = "";
    for (int i = 0; i < count; i++) {
      String line = random.nextInt(10) == 0 ? "" : "line " + lines.size() + " " + "x".repeat(random.nextInt(80));
      lines.add(line);
      end = List.of("\n", "\r\n", "\r").get(random.nextInt(3));
      if (line.isEmpty() && end.equals("\n") && text.length() > 0 && text.charAt(text.length() - 1) == '\r') {
        end = "\r\n"; // "\r" then "\n" would be one line end
      }
      text.append(line).append(end);
    }
    return text.toString();
  }

  @Test
  void linesEndedByADelimiterOfTheirOwnAreReadOnceWhereverARestrictionIsSplit(LocalS3Server server)
      throws Exception {
    S3Settings settings = LocalS3.settings(server).partSize(16 * 1024).build();
    String prefix = LocalS3.root(server, "restrict/delimited/");
    Random random = new Random(4);
    List<String> expected = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 3_000; i++) {
      // "\n" and "\r" are text here; "|" alone, and "||~" (a "|" then the delimiter), test partial matches.
      String line = "record " + i + (random.nextBoolean() ? "\n|x" : "\r") + (i % 7 == 0 ? "|" : "");
      expected.add(line);
      text.append(line).append("|~");
    }
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      s3.put(prefix + "records.txt", text.toString());
      ReadSplit split = cut(new ReadPlanner(s3).listPrefixes(List.of(prefix), PartitionFilter.ALL), 7_001);
      assertReadOnce(new ReadLinesFn(settings, Compression.AUTO, "|~".getBytes(StandardCharsets.UTF_8)), split,
          settings, expected, line -> line);
    }
  }

  /** One split of the objects, each cut into ranges of at most {@code rangeBytes}. */
  private static ReadSplit cut(List<ObjectRange> objects, long rangeBytes) {
    List<ObjectRange> ranges = new ArrayList<>();
    for (ObjectRange o : objects) {
      long at = 0;
      do {
        ranges.add(o.slice(at, Math.min(o.size(), at + rangeBytes)));
        at += rangeBytes;
      } while (at < o.size());
    }
    return new ReadSplit(ranges);
  }

  /** Reads {@code split} in pieces, each split while it runs in every way of the test, as {@code expected}. */
  private static <T, K> void assertReadOnce(ReadSplitFn<T> fn, ReadSplit split, S3Settings settings,
      List<K> expected, Function<T, K> identity) throws Exception {
    fn.setup();
    try {
      SplitPositions positions = new SplitPositions(split);
      for (long pieceSize : new long[] {positions.end(), 10_000}) {
        for (double fraction : FRACTIONS) {
          for (int claims : CLAIMS_BEFORE_SPLIT) {
            List<K> got = new ArrayList<>();
            for (OffsetRange piece : positions.pieces(new OffsetRange(0, positions.end()), pieceSize,
                fn.divisible())) {
              readSplitting(fn, split, piece, claims, fraction, 3).forEach(e -> got.add(identity.apply(e)));
            }
            assertEquals(expected, got, "pieces of " + pieceSize + ", split after " + claims + " claims at "
                + fraction);
          }
        }
      }
    } finally {
      fn.teardown();
    }
  }

  /**
   * Reads {@code restriction} as a runner does that splits it after {@code claims} claims at {@code fraction},
   * then reads the residual the same way, {@code depth} times over; the tracker must end done each time.
   */
  private static <T> List<T> readSplitting(ReadSplitFn<T> fn, ReadSplit split, OffsetRange restriction,
      int claims, double fraction, int depth) throws Exception {
    OffsetRangeTracker tracker = new OffsetRangeTracker(restriction);
    List<SplitResult<OffsetRange>> residual = new ArrayList<>();
    RestrictionTracker<OffsetRange, Long> splitting = new RestrictionTracker<>() {
      private int claimed;

      @Override
      public boolean tryClaim(Long position) {
        if (claimed++ == claims && depth > 0) {
          SplitResult<OffsetRange> parts = tracker.trySplit(fraction);
          if (parts != null) {
            residual.add(parts);
          }
        }
        return tracker.tryClaim(position);
      }

      @Override
      public OffsetRange currentRestriction() {
        return tracker.currentRestriction();
      }

      @Override
      public SplitResult<OffsetRange> trySplit(double fractionOfRemainder) {
        return tracker.trySplit(fractionOfRemainder);
      }

      @Override
      public void checkDone() {
        tracker.checkDone();
      }

      @Override
      public IsBounded isBounded() {
        return IsBounded.BOUNDED;
      }
    };
    List<T> read = new ArrayList<>();
    fn.read(split, splitting, (element, range) -> read.add(element), (range, error) -> {
      throw error;
    });
    tracker.checkDone();
    for (SplitResult<OffsetRange> parts : residual) {
      read.addAll(readSplitting(fn, split, parts.getResidual(), claims, fraction, depth - 1));
    }
    return read;
  }
}
