package io.metaflows3.samples;

import java.io.Serializable;
import java.util.Locale;

/**
 * Least-squares linear regression from its sufficient statistics: the sums X'X, X'y, y'y and n over rows
 * (x with a leading 1 for the intercept). Sums merge, so any engine can accumulate them in parallel; the
 * fit is the closed-form solution of X'X b = X'y.
 */
public final class NormalEquations implements Serializable {
  private static final long serialVersionUID = 1L;
  private final int k;
  private final double[][] xtx;
  private final double[] xty;
  private double yty;
  private long n;

  /** Statistics for {@code features} features plus an intercept. */
  public NormalEquations(int features) {
    this.k = features + 1;
    this.xtx = new double[k][k];
    this.xty = new double[k];
  }

  public NormalEquations add(double[] features, double y) {
    double[] x = withIntercept(features);
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        xtx[i][j] += x[i] * x[j];
      }
      xty[i] += x[i] * y;
    }
    yty += y * y;
    n++;
    return this;
  }

  public NormalEquations merge(NormalEquations other) {
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        xtx[i][j] += other.xtx[i][j];
      }
      xty[i] += other.xty[i];
    }
    yty += other.yty;
    n += other.n;
    return this;
  }

  /** Sets sums directly (from an engine's aggregation): {@code xtx} row-major, k*k values. */
  public static NormalEquations of(double[] xtxRowMajor, double[] xty, double yty, long n) {
    NormalEquations e = new NormalEquations(xty.length - 1);
    for (int i = 0; i < e.k; i++) {
      System.arraycopy(xtxRowMajor, i * e.k, e.xtx[i], 0, e.k);
    }
    System.arraycopy(xty, 0, e.xty, 0, e.k);
    e.yty = yty;
    e.n = n;
    return e;
  }

  public long rows() {
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NormalEquations e && java.util.Arrays.deepEquals(xtx, e.xtx)
        && java.util.Arrays.equals(xty, e.xty) && yty == e.yty && n == e.n;
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(xty) * 31 + Long.hashCode(n);
  }

  /** Solves X'X b = X'y by Gaussian elimination with partial pivoting. */
  public Model solve() {
    if (n < k) {
      throw new IllegalStateException("need at least " + k + " rows to fit " + k + " coefficients, have " + n);
    }
    double[][] a = new double[k][k + 1];
    for (int i = 0; i < k; i++) {
      System.arraycopy(xtx[i], 0, a[i], 0, k);
      a[i][k] = xty[i];
    }
    for (int col = 0; col < k; col++) {
      int pivot = col;
      for (int r = col + 1; r < k; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      if (Math.abs(a[col][col]) < 1e-12) {
        throw new IllegalStateException("features are collinear: X'X is singular");
      }
      for (int r = 0; r < k; r++) {
        if (r != col) {
          double f = a[r][col] / a[col][col];
          for (int c = col; c <= k; c++) {
            a[r][c] -= f * a[col][c];
          }
        }
      }
    }
    double[] b = new double[k];
    for (int i = 0; i < k; i++) {
      b[i] = a[i][k] / a[i][i];
    }
    // SSE = y'y - 2 b'X'y + b'X'X b, from the same sums: no second pass over the rows.
    double sse = yty;
    for (int i = 0; i < k; i++) {
      sse -= 2 * b[i] * xty[i];
      for (int j = 0; j < k; j++) {
        sse += b[i] * xtx[i][j] * b[j];
      }
    }
    return new Model(b, Math.sqrt(Math.max(0, sse) / n), n);
  }

  private double[] withIntercept(double[] features) {
    if (features.length != k - 1) {
      throw new IllegalArgumentException("expected " + (k - 1) + " features, got " + features.length);
    }
    double[] x = new double[k];
    x[0] = 1;
    System.arraycopy(features, 0, x, 1, features.length);
    return x;
  }

  /** A fitted model: intercept first, then one coefficient per feature; its RMSE on the rows it saw. */
  public record Model(double[] coefficients, double rmse, long rows) implements Serializable {
    public double predict(double[] features) {
      double y = coefficients[0];
      for (int i = 0; i < features.length; i++) {
        y += coefficients[i + 1] * features[i];
      }
      return y;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Model m && java.util.Arrays.equals(coefficients, m.coefficients) && rmse == m.rmse
          && rows == m.rows;
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(coefficients) * 31 + Long.hashCode(rows);
    }

    @Override
    public String toString() {
      return "Model" + java.util.Arrays.toString(coefficients) + " rmse=" + rmse + " rows=" + rows;
    }

    public String toJson(String country, String engine) {
      StringBuilder b = new StringBuilder("{\"country\": \"" + country + "\", \"engine\": \"" + engine
          + "\", \"rows\": " + rows + ", \"rmse\": " + fmt(rmse) + ", \"coefficients\": [");
      for (int i = 0; i < coefficients.length; i++) {
        b.append(i == 0 ? "" : ", ").append(fmt(coefficients[i]));
      }
      return b.append("]}").toString();
    }

    private static String fmt(double v) {
      return String.format(Locale.ROOT, "%.10g", v);
    }
  }
}
