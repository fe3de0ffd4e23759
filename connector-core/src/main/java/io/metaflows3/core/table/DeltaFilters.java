package io.metaflows3.core.table;

import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A filter on a table's data columns as a Delta Kernel predicate, for Kernel to skip files by the column
 * statistics of their {@code add} actions. The predicate may only be weaker than the filter (never skipping a
 * file that holds a matching row): a condition it cannot state exactly (a partition column, which the planner
 * prunes itself; a nested or unknown column; a literal not of the column's type; floating point, whose NaNs
 * statistics do not order) is left out of a conjunction and makes any other condition around it untranslated.
 */
final class DeltaFilters {
  private DeltaFilters() {}

  /** The predicate for Kernel's scan of a table with this schema and partition columns; empty: skip nothing. */
  static Optional<Predicate> skipping(PartitionFilter filter, StructType schema, List<String> partitionColumns) {
    Set<String> partitions = new java.util.HashSet<>();
    partitionColumns.forEach(c -> partitions.add(c.toLowerCase(java.util.Locale.ROOT)));
    return new DeltaFilters.Translation(schema, partitions).weakened(filter);
  }

  private record Translation(StructType schema, Set<String> partitions) {
    /** A predicate true wherever the filter is (conjuncts left out where needed). */
    Optional<Predicate> weakened(PartitionFilter f) {
      if (f instanceof PartitionFilter.And and) {
        Optional<Predicate> l = weakened(and.left());
        Optional<Predicate> r = weakened(and.right());
        return l.isEmpty() ? r : r.isEmpty() ? l : Optional.of(new io.delta.kernel.expressions.And(l.get(), r.get()));
      }
      if (f instanceof PartitionFilter.Or or) {
        Optional<Predicate> l = weakened(or.left());
        Optional<Predicate> r = weakened(or.right());
        return l.isEmpty() || r.isEmpty() ? Optional.empty()
            : Optional.of(new io.delta.kernel.expressions.Or(l.get(), r.get()));
      }
      return exact(f);
    }

    /** A predicate with exactly the filter's truth, or empty. */
    Optional<Predicate> exact(PartitionFilter f) {
      if (f instanceof PartitionFilter.And and) {
        return both("AND", exact(and.left()), exact(and.right()));
      } else if (f instanceof PartitionFilter.Or or) {
        return both("OR", exact(or.left()), exact(or.right()));
      } else if (f instanceof PartitionFilter.Not not) {
        return exact(not.inner()).map(p -> new Predicate("NOT", p));
      } else if (f instanceof PartitionFilter.IsNull n) {
        return column(n.column()).map(c -> new Predicate("IS_NULL", c.column()));
      } else if (f instanceof PartitionFilter.Compare c) {
        return compare(c.column(), c.op(), c.value());
      } else if (f instanceof PartitionFilter.In in) {
        Optional<Predicate> any = Optional.empty();
        for (Object candidate : in.candidates()) {
          Optional<Predicate> one = compare(in.column(), PartitionFilter.Op.EQ, candidate);
          if (one.isEmpty()) {
            return Optional.empty();
          }
          any = any.isEmpty() ? one : both("OR", any, one);
        }
        return any;
      }
      return Optional.empty();
    }

    private Optional<Predicate> compare(String name, PartitionFilter.Op op, Object value) {
      Optional<Field> column = column(name);
      if (column.isEmpty()) {
        return Optional.empty();
      }
      if (value == null) {
        return op == PartitionFilter.Op.EQ_NULL_SAFE
            ? Optional.of(new Predicate("IS_NULL", column.get().column())) : Optional.empty();
      }
      Literal literal = literal(value, column.get().type());
      if (literal == null) {
        return Optional.empty();
      }
      String symbol = op == PartitionFilter.Op.EQ_NULL_SAFE ? "IS NOT DISTINCT FROM" : op.symbol;
      return Optional.of(new Predicate(symbol, column.get().column(), literal));
    }

    /** A top-level data column of the schema by name (exactly, else the one that matches ignoring case). */
    private Optional<Field> column(String name) {
      if (partitions.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        return Optional.empty();
      }
      List<StructField> matches = new ArrayList<>();
      for (StructField f : schema.fields()) {
        if (f.getName().equals(name)) {
          return Optional.of(new Field(new Column(f.getName()), f.getDataType()));
        }
        if (f.getName().equalsIgnoreCase(name)) {
          matches.add(f);
        }
      }
      return matches.size() == 1
          ? Optional.of(new Field(new Column(matches.get(0).getName()), matches.get(0).getDataType()))
          : Optional.empty();
    }

    private static Optional<Predicate> both(String name, Optional<Predicate> l, Optional<Predicate> r) {
      return l.isPresent() && r.isPresent() ? Optional.of(new Predicate(name, l.get(), r.get())) : Optional.empty();
    }
  }

  private record Field(Column column, DataType type) {}

  /** The value as a literal of the column's type when it is one exactly, else null. */
  static Literal literal(Object value, DataType type) {
    if (type instanceof StringType && value instanceof String s) {
      return Literal.ofString(s);
    } else if (type instanceof BooleanType && value instanceof Boolean b) {
      return Literal.ofBoolean(b);
    } else if (type instanceof DateType && value instanceof LocalDate d) {
      return Literal.ofDate(Math.toIntExact(d.toEpochDay()));
    } else if (type instanceof TimestampType && value instanceof Instant i) {
      return Literal.ofTimestamp(ChronoUnit.MICROS.between(Instant.EPOCH, i));
    } else if (type instanceof DecimalType d && value instanceof BigDecimal b) {
      try {
        BigDecimal scaled = b.setScale(d.getScale());
        return scaled.precision() <= d.getPrecision() ? Literal.ofDecimal(scaled, d.getPrecision(), d.getScale()) : null;
      } catch (ArithmeticException notExact) {
        return null;
      }
    }
    BigInteger integral = integral(value);
    if (integral == null || integral.bitLength() > 63) {
      return null;
    }
    long v = integral.longValue();
    if (type instanceof LongType) {
      return Literal.ofLong(v);
    } else if (type instanceof IntegerType && v == (int) v) {
      return Literal.ofInt((int) v);
    } else if (type instanceof ShortType && v == (short) v) {
      return Literal.ofShort((short) v);
    } else if (type instanceof ByteType && v == (byte) v) {
      return Literal.ofByte((byte) v);
    }
    return null;
  }

  /** An integral number's value (Byte, Short, Integer, Long, BigInteger, or a BigDecimal without fraction). */
  private static BigInteger integral(Object value) {
    if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
      return BigInteger.valueOf(((Number) value).longValue());
    } else if (value instanceof BigInteger b) {
      return b;
    } else if (value instanceof BigDecimal d) {
      try {
        return d.toBigIntegerExact();
      } catch (ArithmeticException fraction) {
        return null;
      }
    }
    return null;
  }
}
