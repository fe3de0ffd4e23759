package io.metaflows3.core.transfer;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's threads for temp-file work (creating files, positional writes), shared by every client: disk
 * waits never stall the HTTP event loop, and idle threads exit.
 */
public final class DiskThreads {
  static final ExecutorService POOL;

  static {
    int n = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        runnable -> {
          Thread t = new Thread(runnable, "metaflow-s3-disk");
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    POOL = pool;
  }

  private DiskThreads() {}
}
