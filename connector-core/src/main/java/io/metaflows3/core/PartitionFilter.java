package io.metaflows3.core;

import java.io.Serializable;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which hive-style partitions ({@code key=value/} prefixes) to read: for each named column, the values
 * allowed. Columns not named are not restricted. Used while listing, so pruned prefixes are never listed.
 */
public final class PartitionFilter implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final PartitionFilter ALL = new PartitionFilter(Map.of());

  private final Map<String, Set<String>> allowed;

  private PartitionFilter(Map<String, Set<String>> allowed) {
    this.allowed = allowed;
  }

  /** Keep only partitions whose {@code column} has one of {@code values}; combines with earlier restrictions. */
  public PartitionFilter and(String column, Collection<String> values) {
    if (column == null || column.isEmpty() || values == null || values.isEmpty()) {
      throw new IllegalArgumentException("a partition filter needs a column and at least one value");
    }
    Map<String, Set<String>> next = new TreeMap<>(allowed);
    next.merge(column, Set.copyOf(values), (a, b) -> {
      Set<String> both = new java.util.TreeSet<>(a);
      both.retainAll(b);
      return Set.copyOf(both);
    });
    return new PartitionFilter(Map.copyOf(next));
  }

  public static PartitionFilter of(String column, Collection<String> values) {
    return ALL.and(column, values);
  }

  /** Whether a prefix named {@code column=value} may hold rows to read. */
  public boolean allows(String column, String value) {
    Set<String> values = allowed.get(column);
    return values == null || values.contains(value);
  }

  public boolean isAll() {
    return allowed.isEmpty();
  }

  public Map<String, Set<String>> restrictions() {
    return allowed;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PartitionFilter f && f.allowed.equals(allowed);
  }

  @Override
  public int hashCode() {
    return allowed.hashCode();
  }

  @Override
  public String toString() {
    return isAll() ? "all partitions" : new TreeMap<>(allowed).toString();
  }
}
