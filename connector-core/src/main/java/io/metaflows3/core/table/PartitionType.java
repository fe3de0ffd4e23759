package io.metaflows3.core.table;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * The type of a partition column, inferred from folder values and widened across them exactly as Spark's file
 * sources do ({@code PartitioningUtils}): int, then long, then decimal (integers past long), then double, then
 * timestamp ({@code yyyy-MM-dd HH:mm:ss[.S]}), then date, else string; the default partition is null and
 * takes any type. Values are Java objects: Integer, Long, BigDecimal, Double, Instant, LocalDate, String.
 */
public record PartitionType(Kind kind, int precision) implements Serializable {
  /** The kinds, in Spark's names. */
  public enum Kind { NULL, INT, LONG, DECIMAL, DOUBLE, DATE, TIMESTAMP, STRING }

  public static final PartitionType NULL = new PartitionType(Kind.NULL, 0);
  public static final PartitionType INT = new PartitionType(Kind.INT, 0);
  public static final PartitionType LONG = new PartitionType(Kind.LONG, 0);
  public static final PartitionType DOUBLE = new PartitionType(Kind.DOUBLE, 0);
  public static final PartitionType DATE = new PartitionType(Kind.DATE, 0);
  public static final PartitionType TIMESTAMP = new PartitionType(Kind.TIMESTAMP, 0);
  public static final PartitionType STRING = new PartitionType(Kind.STRING, 0);
  private static final int MAX_PRECISION = 38;
  private static final Pattern DATE_FORM = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern INFERRED_TIMESTAMP_FORM =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d)?");
  private static final Pattern TIMESTAMP_FORM = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?");
  /** Seconds with any fraction of 1 to 9 digits, as Spark's cast reads a timestamp's text. */
  private static final DateTimeFormatter TIMESTAMP_PARSER = new java.time.format.DateTimeFormatterBuilder()
      .appendPattern("yyyy-MM-dd HH:mm:ss").optionalStart()
      .appendFraction(java.time.temporal.ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd().toFormatter();

  /** A decimal of {@code precision} digits and scale 0 (Spark infers decimals only for integers). */
  public static PartitionType decimal(int precision) {
    return new PartitionType(Kind.DECIMAL, precision);
  }

  /** The type Spark infers for one raw (escaped) folder value. */
  public static PartitionType infer(String raw) {
    if (parses(() -> Integer.parseInt(raw))) {
      return INT;
    }
    if (parses(() -> Long.parseLong(raw))) {
      return LONG;
    }
    Integer digits = integerDigits(raw);
    if (digits != null) {
      return decimal(digits);
    }
    if (parses(() -> Double.parseDouble(raw))) {
      return DOUBLE;
    }
    // Spark infers timestamps by the pattern "yyyy-MM-dd HH:mm:ss[.S]": at most one digit of fraction.
    String text = PartitionPaths.unescape(raw);
    if (INFERRED_TIMESTAMP_FORM.matcher(text).matches() && timestamp(text, ZoneId.of("UTC")) != null) {
      return TIMESTAMP;
    }
    if (date(raw) != null) {
      return DATE;
    }
    return raw.equals(PartitionPaths.DEFAULT_PARTITION_NAME) ? NULL : STRING;
  }

  /**
   * The type two partitions' types widen to (Spark's {@code findWiderTypeForPartitionColumn}): numbers widen,
   * date and timestamp give timestamp, but long or decimal with double give string (no precision is lost),
   * and any other pair gives string.
   */
  public PartitionType widen(PartitionType other) {
    if (equals(other) || other.kind == Kind.NULL) {
      return this;
    }
    if (kind == Kind.NULL) {
      return other;
    }
    Kind a = kind;
    Kind b = other.kind;
    if (a == Kind.DOUBLE || b == Kind.DOUBLE) {
      return a == Kind.INT || b == Kind.INT ? DOUBLE : STRING;
    }
    if (isIntegral(a) && isIntegral(b)) {
      if (a == Kind.DECIMAL || b == Kind.DECIMAL) {
        return decimal(Math.min(MAX_PRECISION, Math.max(digitsOf(this), digitsOf(other))));
      }
      return LONG;
    }
    if ((a == Kind.DATE || a == Kind.TIMESTAMP) && (b == Kind.DATE || b == Kind.TIMESTAMP)) {
      return TIMESTAMP;
    }
    return STRING;
  }

  /** The value of a raw folder value as this type (Spark's {@code castPartValueToDesiredType}); null for none. */
  public Object parse(String raw, ZoneId zone) {
    if (raw == null || raw.equals(PartitionPaths.DEFAULT_PARTITION_NAME) || kind == Kind.NULL) {
      return null;
    }
    try {
      return switch (kind) {
        case INT -> Integer.parseInt(raw);
        case LONG -> Long.parseLong(raw);
        case DECIMAL -> new BigDecimal(raw);
        case DOUBLE -> Double.parseDouble(raw);
        case DATE -> date(raw);
        case TIMESTAMP -> {
          Instant t = timestamp(PartitionPaths.unescape(raw), zone);
          LocalDate d = t == null ? date(raw) : null;
          yield t != null ? t : d == null ? null : d.atStartOfDay(zone).toInstant();
        }
        case STRING, NULL -> PartitionPaths.unescape(raw);
      };
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return kind == Kind.DECIMAL ? "decimal(" + precision + ",0)" : kind.name().toLowerCase();
  }

  private static boolean isIntegral(Kind k) {
    return k == Kind.INT || k == Kind.LONG || k == Kind.DECIMAL;
  }

  private static int digitsOf(PartitionType t) {
    return switch (t.kind) {
      case INT -> 10;
      case LONG -> 20;
      default -> t.precision;
    };
  }

  /** The digits of an integer too long for a long (Spark's decimal inference), or null. */
  private static Integer integerDigits(String raw) {
    try {
      BigDecimal d = new BigDecimal(raw);
      if (d.scale() > 0) {
        return null;
      }
      int digits = d.precision() - d.scale();
      return digits <= MAX_PRECISION ? digits : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static LocalDate date(String raw) {
    if (!DATE_FORM.matcher(raw).matches()) {
      return null;
    }
    try {
      return LocalDate.parse(raw);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** A timestamp in {@code zone}, to the microsecond as Spark keeps it, or null. */
  private static Instant timestamp(String text, ZoneId zone) {
    if (!TIMESTAMP_FORM.matcher(text).matches()) {
      return null;
    }
    try {
      return LocalDateTime.parse(text, TIMESTAMP_PARSER).atZone(zone).toInstant().truncatedTo(ChronoUnit.MICROS);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static boolean parses(Runnable parse) {
    try {
      parse.run();
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
