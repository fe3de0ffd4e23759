package io.metaflows3.core.table;

import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A condition on partition columns, evaluated on typed folder values while listing, with SQL's three-valued
 * logic: a partition is pruned only when the condition is false or null for its values, so only when no row
 * of it can match. A comparison this class cannot decide (a column not seen yet, values of unrelated types)
 * keeps the partition. Engines translate their filters into these; literals are Java values (Integer, Long,
 * BigDecimal, Double, Float, String, LocalDate, Instant, Boolean).
 */
public sealed interface PartitionFilter extends Serializable {
  /** No condition: every partition. */
  PartitionFilter ALL = new All();

  /** The result of evaluating a condition on one partition. */
  enum Truth {
    TRUE, FALSE, NULL, UNKNOWN;

    /** Whether a partition with this result may hold matching rows. */
    public boolean mayMatch() {
      return this == TRUE || this == UNKNOWN;
    }

    Truth not() {
      return this == TRUE ? FALSE : this == FALSE ? TRUE : this;
    }
  }

  /**
   * Evaluates the condition on a partition's typed values (column to value; null for the default partition;
   * a column absent from the map is not known yet). {@code zone} compares dates with timestamps.
   */
  Truth evaluate(Map<String, Object> values, ZoneId zone);

  /** The columns the condition names, in the order it names them. */
  default java.util.Set<String> columns() {
    java.util.Set<String> columns = new java.util.LinkedHashSet<>();
    if (this instanceof Compare c) {
      columns.add(c.column());
    } else if (this instanceof In in) {
      columns.add(in.column());
    } else if (this instanceof IsNull n) {
      columns.add(n.column());
    } else if (this instanceof Not n) {
      columns.addAll(n.inner().columns());
    } else if (this instanceof And a) {
      columns.addAll(a.left().columns());
      columns.addAll(a.right().columns());
    } else if (this instanceof Or o) {
      columns.addAll(o.left().columns());
      columns.addAll(o.right().columns());
    }
    return columns;
  }

  /** Whether this is {@link #ALL}. */
  default boolean isAll() {
    return this instanceof All;
  }

  default PartitionFilter and(PartitionFilter other) {
    return isAll() ? other : other.isAll() ? this : new And(this, other);
  }

  /** Adds "column is one of values" (values compared as typed partition values would be). */
  default PartitionFilter and(String column, Collection<?> values) {
    return and(in(column, values));
  }

  static PartitionFilter of(String column, Collection<?> values) {
    return in(column, values);
  }

  static PartitionFilter in(String column, Collection<?> values) {
    if (column == null || column.isEmpty() || values == null || values.isEmpty()) {
      throw new IllegalArgumentException("a partition filter needs a column and at least one value");
    }
    return new In(column, List.copyOf(values));
  }

  static PartitionFilter equalTo(String column, Object value) {
    return new Compare(column, Op.EQ, value);
  }

  static PartitionFilter compare(String column, Op op, Object value) {
    return new Compare(column, op, value);
  }

  static PartitionFilter isNull(String column) {
    return new IsNull(column);
  }

  static PartitionFilter not(PartitionFilter f) {
    return new Not(f);
  }

  static PartitionFilter or(PartitionFilter a, PartitionFilter b) {
    return new Or(a, b);
  }

  /** Comparison operators; {@code EQ_NULL_SAFE} is SQL's {@code <=>}. */
  enum Op {
    EQ("="), EQ_NULL_SAFE("<=>"), LT("<"), LE("<="), GT(">"), GE(">=");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }
  }

  record All() implements PartitionFilter {
    @Override
    public Truth evaluate(Map<String, Object> values, ZoneId zone) {
      return Truth.TRUE;
    }

    @Override
    public String toString() {
      return "all partitions";
    }
  }

  record Compare(String column, Op op, Object value) implements PartitionFilter {
    @Override
    public String toString() {
      return column + " " + op.symbol + " " + value;
    }

    @Override
    public Truth evaluate(Map<String, Object> values, ZoneId zone) {
      if (!values.containsKey(column)) {
        return Truth.UNKNOWN;
      }
      Object v = values.get(column);
      if (op == Op.EQ_NULL_SAFE && (v == null || value == null)) {
        return v == null && value == null ? Truth.TRUE : Truth.FALSE;
      }
      if (v == null || value == null) {
        return Truth.NULL;
      }
      Integer c = Values.compare(v, value, zone);
      if (c == null) {
        return Truth.UNKNOWN;
      }
      boolean result = switch (op) {
        case EQ, EQ_NULL_SAFE -> c == 0;
        case LT -> c < 0;
        case LE -> c <= 0;
        case GT -> c > 0;
        case GE -> c >= 0;
      };
      return result ? Truth.TRUE : Truth.FALSE;
    }
  }

  record In(String column, List<?> candidates) implements PartitionFilter {
    @Override
    public String toString() {
      return column + " IN (" + String.join(", ", candidates.stream().map(String::valueOf).toList()) + ")";
    }

    @Override
    public Truth evaluate(Map<String, Object> values, ZoneId zone) {
      Truth result = Truth.FALSE;
      for (Object candidate : candidates) {
        result = Or.combine(result, new Compare(column, Op.EQ, candidate).evaluate(values, zone));
      }
      return result;
    }
  }

  record IsNull(String column) implements PartitionFilter {
    @Override
    public String toString() {
      return column + " IS NULL";
    }

    @Override
    public Truth evaluate(Map<String, Object> values, ZoneId zone) {
      return !values.containsKey(column) ? Truth.UNKNOWN : values.get(column) == null ? Truth.TRUE : Truth.FALSE;
    }
  }

  record Not(PartitionFilter inner) implements PartitionFilter {
    @Override
    public String toString() {
      return inner instanceof IsNull n ? n.column() + " IS NOT NULL" : "NOT " + inner;
    }

    @Override
    public Truth evaluate(Map<String, Object> values, ZoneId zone) {
      return inner.evaluate(values, zone).not();
    }
  }

  record And(PartitionFilter left, PartitionFilter right) implements PartitionFilter {
    @Override
    public String toString() {
      return "(" + left + " AND " + right + ")";
    }

    @Override
    public Truth evaluate(Map<String, Object> values, ZoneId zone) {
      // De Morgan: a AND b is NOT (NOT a OR NOT b), in three-valued logic plus "unknown".
      return Or.combine(left.evaluate(values, zone).not(), right.evaluate(values, zone).not()).not();
    }
  }

  record Or(PartitionFilter left, PartitionFilter right) implements PartitionFilter {
    @Override
    public String toString() {
      return "(" + left + " OR " + right + ")";
    }

    @Override
    public Truth evaluate(Map<String, Object> values, ZoneId zone) {
      return combine(left.evaluate(values, zone), right.evaluate(values, zone));
    }

    static Truth combine(Truth a, Truth b) {
      if (a == Truth.TRUE || b == Truth.TRUE) {
        return Truth.TRUE;
      }
      if (a == Truth.UNKNOWN || b == Truth.UNKNOWN) {
        return Truth.UNKNOWN;
      }
      return a == Truth.NULL || b == Truth.NULL ? Truth.NULL : Truth.FALSE;
    }
  }

  /** Ordering of partition values against literals, as SQL compares them after casting to a common type. */
  final class Values {
    private Values() {}

    /** Negative, zero or positive; null when the two cannot be compared (the caller keeps the partition). */
    static Integer compare(Object value, Object literal, ZoneId zone) {
      if (value instanceof Number || literal instanceof Number) {
        return compareNumbers(number(value), number(literal));
      }
      if (value instanceof Instant || literal instanceof Instant
          || value instanceof LocalDate && literal instanceof LocalDate) {
        Instant a = instant(value, zone);
        Instant b = instant(literal, zone);
        return a == null || b == null ? null : a.compareTo(b);
      }
      if (value instanceof String a && literal instanceof String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
      }
      if (value instanceof Boolean a && literal instanceof Boolean b) {
        return a.compareTo(b);
      }
      return value instanceof LocalDate || literal instanceof LocalDate
          ? compare(instant(value, zone), instant(literal, zone), zone) : null;
    }

    private static Integer compareNumbers(Object a, Object b) {
      if (a == null || b == null) {
        return null;
      }
      if (a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float) {
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        // As Spark compares doubles: -0.0 equals 0.0, NaN equals NaN and is above every other value.
        return x == y ? 0 : Double.compare(x, y);
      }
      return new BigDecimal(a.toString()).compareTo(new BigDecimal(b.toString()));
    }

    /** A number, or a string that reads as one (SQL casts it for the comparison), else null. */
    private static Object number(Object o) {
      if (o instanceof Number) {
        return o;
      }
      if (o instanceof String s) {
        try {
          return new BigDecimal(s.trim());
        } catch (NumberFormatException e) {
          return null;
        }
      }
      return null;
    }

    private static Instant instant(Object o, ZoneId zone) {
      if (o instanceof Instant i) {
        return i;
      }
      if (o instanceof LocalDate d) {
        return d.atStartOfDay(zone).toInstant();
      }
      if (o instanceof String s) {
        Object parsed = PartitionType.infer(s).kind() == PartitionType.Kind.DATE ? PartitionType.DATE.parse(s, zone)
            : PartitionType.TIMESTAMP.parse(PartitionPaths.escape(s), zone);
        return parsed == null ? null : instant(parsed, zone);
      }
      return null;
    }
  }
}
