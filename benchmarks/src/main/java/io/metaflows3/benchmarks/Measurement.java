package io.metaflows3.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * One tool's result on one workload: the median of several measured runs after a warm-up, and a note (such
 * as the requests it sent).
 */
record Measurement(String workload, String tool, long objects, long bytes, double seconds, long peakHeapBytes,
    String note) {

  double objectsPerSecond() {
    return objects / seconds;
  }

  double mibPerSecond() {
    return bytes / seconds / (1 << 20);
  }

  /** Work done by one run: objects and bytes moved. */
  record Work(long objects, long bytes) {}

  /** Runs {@code body} once to warm up, then {@code runs} times; {@code reset} runs untimed before each. */
  static Measurement of(String workload, String tool, int runs, Runnable reset, Callable<Work> body) throws Exception {
    reset.run();
    body.call();
    List<Double> times = new ArrayList<>();
    Work work = null;
    long peak = 0;
    for (int i = 0; i < runs; i++) {
      reset.run();
      System.gc();
      resetPeaks();
      long start = System.nanoTime();
      work = body.call();
      times.add((System.nanoTime() - start) / 1e9);
      peak = Math.max(peak, peakHeap());
    }
    times.sort(null);
    return new Measurement(workload, tool, work.objects(), work.bytes(), times.get(times.size() / 2), peak, "");
  }

  Measurement withNote(String value) {
    return new Measurement(workload, tool, objects, bytes, seconds, peakHeapBytes, value);
  }

  private static void resetPeaks() {
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
