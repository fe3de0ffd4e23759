package io.metaflows3.spark;

import io.metaflows3.core.table.PartitionFilter;
import io.metaflows3.core.table.PartitionFilter.Op;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;
import org.apache.spark.sql.sources.And;
import org.apache.spark.sql.sources.EqualNullSafe;
import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.sources.GreaterThan;
import org.apache.spark.sql.sources.GreaterThanOrEqual;
import org.apache.spark.sql.sources.In;
import org.apache.spark.sql.sources.IsNotNull;
import org.apache.spark.sql.sources.IsNull;
import org.apache.spark.sql.sources.LessThan;
import org.apache.spark.sql.sources.LessThanOrEqual;
import org.apache.spark.sql.sources.Not;
import org.apache.spark.sql.sources.Or;

/**
 * Spark's data source filters on partition columns as core's typed partition filters, evaluated while listing.
 * A filter that mentions another column, or an operator or literal type core does not know, is not translated
 * (null): it prunes nothing, and Spark evaluates every filter on the rows anyway.
 */
final class PartitionFilters {
  private PartitionFilters() {}

  static PartitionFilter translate(Filter f, Predicate<String> isPartitionColumn) {
    if (!Arrays.stream(f.references()).allMatch(isPartitionColumn)) {
      return null;
    }
    if (f instanceof EqualTo e) {
      return compare(e.attribute(), Op.EQ, e.value());
    } else if (f instanceof EqualNullSafe e) {
      return compare(e.attribute(), Op.EQ_NULL_SAFE, e.value());
    } else if (f instanceof LessThan e) {
      return compare(e.attribute(), Op.LT, e.value());
    } else if (f instanceof LessThanOrEqual e) {
      return compare(e.attribute(), Op.LE, e.value());
    } else if (f instanceof GreaterThan e) {
      return compare(e.attribute(), Op.GT, e.value());
    } else if (f instanceof GreaterThanOrEqual e) {
      return compare(e.attribute(), Op.GE, e.value());
    } else if (f instanceof In in) {
      List<Object> values = new ArrayList<>();
      for (Object v : in.values()) {
        Object literal = literal(v);
        if (literal == null) {
          return null;
        }
        values.add(literal);
      }
      return values.isEmpty() ? null : PartitionFilter.in(in.attribute(), values);
    } else if (f instanceof IsNull n) {
      return PartitionFilter.isNull(n.attribute());
    } else if (f instanceof IsNotNull n) {
      return PartitionFilter.not(PartitionFilter.isNull(n.attribute()));
    } else if (f instanceof Not n) {
      PartitionFilter inner = translate(n.child(), isPartitionColumn);
      return inner == null ? null : PartitionFilter.not(inner);
    } else if (f instanceof And a) {
      return both(a.left(), a.right(), isPartitionColumn, PartitionFilter::and);
    } else if (f instanceof Or o) {
      return both(o.left(), o.right(), isPartitionColumn, PartitionFilter::or);
    }
    return null;
  }

  /** Both sides translated and joined, or null when either side cannot be. */
  private static PartitionFilter both(Filter left, Filter right, Predicate<String> isPartitionColumn,
      BinaryOperator<PartitionFilter> join) {
    PartitionFilter l = translate(left, isPartitionColumn);
    PartitionFilter r = translate(right, isPartitionColumn);
    return l == null || r == null ? null : join.apply(l, r);
  }

  private static PartitionFilter compare(String column, Op op, Object value) {
    Object literal = literal(value);
    return literal == null && value != null ? null : PartitionFilter.compare(column, op, literal);
  }

  /** A filter literal as core compares it; null for types core does not compare (timestamps without zone). */
  private static Object literal(Object v) {
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate();
    } else if (v instanceof java.sql.Timestamp t) {
      return t.toInstant();
    } else if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof LocalDate
        || v instanceof Instant || v instanceof BigDecimal) {
      return v;
    }
    return null;
  }
}
