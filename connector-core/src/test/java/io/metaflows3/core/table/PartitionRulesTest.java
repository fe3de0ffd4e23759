package io.metaflows3.core.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Spark's partition rules as core applies them. Spark's own code is the reference: connector-spark's
 * differential test reads the same folders with both; these pin the cases the issues reported.
 */
class PartitionRulesTest {
  /** Doubles compare as Spark compares them: -0.0 equals 0.0, so a -0.0 partition is never pruned by d = 0.0. */
  @Test
  void negativeZeroEqualsZeroAsInSpark() {
    Map<String, Object> values = Map.of("d", -0.0);
    assertEquals(PartitionFilter.Truth.TRUE,
        PartitionFilter.compare("d", PartitionFilter.Op.EQ, 0.0).evaluate(values, ZoneOffset.UTC));
    assertEquals(PartitionFilter.Truth.FALSE,
        PartitionFilter.compare("d", PartitionFilter.Op.LT, 0.0).evaluate(values, ZoneOffset.UTC));
  }

  @Test
  void escapingRoundTripsEveryReservedCharacter() {
    assertEquals("x%3Dy", PartitionPaths.escape("x=y"));
    assertEquals("a%2Fb", PartitionPaths.escape("a/b"));
    assertEquals("%2541", PartitionPaths.escape("%41"));
    assertEquals("a b", PartitionPaths.escape("a b"));
    assertEquals("ü", PartitionPaths.escape("ü"));
    assertEquals("2021-01-01 10%3A00%3A00", PartitionPaths.escape("2021-01-01 10:00:00"));
    for (String s : List.of("x=y", "a/b", "%41", "\t\n", "{[]}^?#*'\"\\", "100%", "ü", "a%b")) {
      assertEquals(s, PartitionPaths.unescape(PartitionPaths.escape(s)), s);
    }
    assertEquals("100%", PartitionPaths.unescape("100%"), "a '%' without two hex digits stays");
    assertEquals("k=" + PartitionPaths.DEFAULT_PARTITION_NAME + "/", PartitionPaths.folder("k", null));
    assertEquals("k=" + PartitionPaths.DEFAULT_PARTITION_NAME + "/", PartitionPaths.folder("k", ""));
  }

  @Test
  void valuesAreReadUpwardsFromTheFileAsSparkDoes() {
    assertEquals(Map.of("a", "1", "b", "x%3Dy"), PartitionPaths.rawValues("a=1/b=x%3Dy/part.parquet"));
    assertEquals(Map.of("y", "2"), PartitionPaths.rawValues("x=1/sub/y=2/f"), "stops at a folder of another form");
    assertEquals(Map.of(), PartitionPaths.rawValues("a=1/_temporary/0/f"));
    assertEquals(Map.of(), PartitionPaths.rawValues("part.parquet"));
    assertThrows(IllegalArgumentException.class, () -> PartitionPaths.rawValues("a=/f"));
    assertTrue(PartitionPaths.isHidden("_SUCCESS"));
    assertTrue(PartitionPaths.isHidden("a=1/.part.crc"));
    assertTrue(PartitionPaths.isHidden("_metaflow_s3_log/00.tsv"));
    assertFalse(PartitionPaths.isHidden("_p=1/part.parquet"), "_p=1 is a partition, not hidden");
  }

  @Test
  void typesAreInferredAndWidenedAsSparkDoes() {
    assertEquals(PartitionType.INT, PartitionType.infer("007"));
    assertEquals(PartitionType.LONG, PartitionType.infer("9999999999"));
    assertEquals(PartitionType.decimal(20), PartitionType.infer("12345678901234567890"));
    assertEquals(PartitionType.DOUBLE, PartitionType.infer("0.5"));
    assertEquals(PartitionType.DATE, PartitionType.infer("2021-01-31"));
    assertEquals(PartitionType.TIMESTAMP, PartitionType.infer("2021-01-31 10%3A00%3A00"));
    assertEquals(PartitionType.TIMESTAMP, PartitionType.infer("2021-01-31 10%3A00%3A00.5"), "one digit of fraction");
    assertEquals(PartitionType.STRING, PartitionType.infer("2021-01-31 10%3A00%3A00.123"), "Spark infers more as strings");
    assertEquals(PartitionType.STRING, PartitionType.infer("2021-02-30"), "no such date");
    assertEquals(PartitionType.NULL, PartitionType.infer(PartitionPaths.DEFAULT_PARTITION_NAME));
    assertEquals(PartitionType.DOUBLE, PartitionType.INT.widen(PartitionType.DOUBLE));
    assertEquals(PartitionType.STRING, PartitionType.LONG.widen(PartitionType.DOUBLE), "no precision lost");
    assertEquals(PartitionType.INT, PartitionType.INT.widen(PartitionType.NULL), "null keeps the type");
    assertEquals(PartitionType.TIMESTAMP, PartitionType.DATE.widen(PartitionType.TIMESTAMP));
    assertEquals(PartitionType.STRING, PartitionType.INT.widen(PartitionType.DATE));
    assertEquals(PartitionType.decimal(20), PartitionType.INT.widen(PartitionType.decimal(20)));
    PartitionSchema schema = PartitionSchema.infer(List.of(Map.of("d", "1"), Map.of("d", "0.5"),
        Map.of("d", PartitionPaths.DEFAULT_PARTITION_NAME)));
    assertEquals(Map.of("d", PartitionType.DOUBLE), schema.types());
    assertEquals(1.0, schema.typed(Map.of("d", "1"), ZoneOffset.UTC).get("d"));
    assertEquals(new BigDecimal("12345678901234567890"), PartitionType.decimal(20).parse("12345678901234567890",
        ZoneOffset.UTC));
    assertEquals(Instant.parse("2021-01-31T10:00:00Z"), PartitionType.TIMESTAMP.parse("2021-01-31 10%3A00%3A00",
        ZoneOffset.UTC));
    for (String fraction : List.of("1", "12", "123", "1234", "12345", "123456")) {
      assertEquals(Instant.parse("2021-01-31T10:00:00." + fraction + "Z"), PartitionType.TIMESTAMP.parse(
          "2021-01-31 10%3A00%3A00." + fraction, ZoneOffset.UTC), "any fraction Spark's cast reads: ." + fraction);
    }
    assertThrows(IllegalArgumentException.class, () -> PartitionSchema.infer(List.of(Map.of("a", "1"),
        Map.of("b", "1"))), "files under different partition columns");
  }

  @Test
  void filtersPruneOnlyPartitionsNoRowOfWhichCanMatch() {
    PartitionSchema d = PartitionSchema.infer(List.of(Map.of("d", "1"), Map.of("d", "0.5")));
    assertTrue(keeps(PartitionFilter.equalTo("d", 1), d, "d", "1"), "d=1 matches where d = 1 (Spark: 4 rows)");
    assertFalse(keeps(PartitionFilter.equalTo("d", 1), d, "d", "0.5"));
    PartitionSchema m = PartitionSchema.infer(List.of(Map.of("m", "01"), Map.of("m", "02")));
    assertTrue(keeps(PartitionFilter.equalTo("m", 1), m, "m", "01"), "m=01 is the int 1 (Spark: 2 rows)");
    PartitionSchema s = PartitionSchema.infer(List.of(Map.of("country", "x%3Dy"), Map.of("country", "US")));
    assertTrue(keeps(PartitionFilter.equalTo("country", "x=y"), s, "country", "x%3Dy"), "unescaped first");
    assertFalse(keeps(PartitionFilter.equalTo("country", "x=y"), s, "country", "US"));
    String none = PartitionPaths.DEFAULT_PARTITION_NAME;
    PartitionSchema n = PartitionSchema.infer(List.of(Map.of("n", "1"), Map.of("n", none)));
    assertTrue(keeps(PartitionFilter.isNull("n"), n, "n", none));
    assertFalse(keeps(PartitionFilter.equalTo("n", 1), n, "n", none), "null = 1 is null: no row matches");
    assertFalse(keeps(PartitionFilter.not(PartitionFilter.equalTo("n", 1)), n, "n", none), "NOT(null) is null");
    assertTrue(keeps(PartitionFilter.compare("n", PartitionFilter.Op.EQ_NULL_SAFE, null), n, "n", none));
    assertTrue(keeps(PartitionFilter.compare("n", PartitionFilter.Op.GE, 1), n, "n", "1"));
    assertFalse(keeps(PartitionFilter.compare("n", PartitionFilter.Op.LT, 1), n, "n", "1"));
    assertTrue(keeps(PartitionFilter.or(PartitionFilter.equalTo("n", 5), PartitionFilter.isNull("n")), n, "n", none));
    assertFalse(keeps(PartitionFilter.equalTo("n", 1).and(PartitionFilter.isNull("n")), n, "n", "1"));
    assertTrue(keeps(PartitionFilter.isNull("n").and(PartitionFilter.equalTo("other", 1)), n, "n", none),
        "true AND undecidable keeps the partition");
    PartitionSchema dates = PartitionSchema.infer(List.of(Map.of("day", "2021-01-31")));
    assertTrue(keeps(PartitionFilter.equalTo("day", LocalDate.of(2021, 1, 31)), dates, "day", "2021-01-31"));
    assertTrue(keeps(PartitionFilter.equalTo("other", 1), n, "n", "1"), "a column not known keeps the partition");
    assertTrue(keeps(PartitionFilter.equalTo("n", LocalDate.of(2021, 1, 1)), n, "n", "1"),
        "values that cannot be compared keep the partition");
  }

  private static boolean keeps(PartitionFilter f, PartitionSchema schema, String column, String raw) {
    return f.evaluate(schema.typed(Map.of(column, raw), ZoneOffset.UTC), ZoneOffset.UTC).mayMatch();
  }
}
