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

  /** One tool on a workload: its name, an untimed reset before each run, and the timed body. */
  record Tool(String name, Runnable reset, Callable<Work> body) {}

  /**
   * Runs each tool once to warm up, then the tools in turn, {@code runs} rounds, so a slow phase of the
   * machine falls on every tool alike; each tool's median run counts.
   */
  static List<Measurement> interleaved(String workload, int runs, List<Tool> tools) throws Exception {
    for (Tool t : tools) {
      t.reset().run();
      t.body().call();
    }
    List<List<Double>> times = new ArrayList<>();
    Work[] work = new Work[tools.size()];
    long[] peak = new long[tools.size()];
    tools.forEach(t -> times.add(new ArrayList<>()));
    for (int r = 0; r < runs; r++) {
      for (int i = 0; i < tools.size(); i++) {
        tools.get(i).reset().run();
        System.gc();
        resetPeaks();
        long start = System.nanoTime();
        work[i] = tools.get(i).body().call();
        times.get(i).add((System.nanoTime() - start) / 1e9);
        peak[i] = Math.max(peak[i], peakHeap());
      }
    }
    List<Measurement> out = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      List<Double> sorted = times.get(i).stream().sorted().toList();
      out.add(new Measurement(workload, tools.get(i).name(), work[i].objects(), work[i].bytes(),
          sorted.get(sorted.size() / 2), peak[i], ""));
    }
    return out;
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
