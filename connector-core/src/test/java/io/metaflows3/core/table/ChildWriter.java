package io.metaflows3.core.table;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A writer in a JVM of its own, for the crash and race tests: {@code endpoint accessKey secretKey table mode
 * stage tag count}. It makes {@code count} writes of three objects each, printing each step it reaches
 * ({@code STAGE begun}, {@code STAGE wrote-some}, {@code STAGE wrote-all}, {@code STAGE version-created},
 * {@code STAGE committed}); at {@code stage} it stops and waits to be killed ({@code none}: it never waits).
 */
public final class ChildWriter {
  public static void main(String[] args) throws Exception {
    S3Settings settings = S3Settings.builder().endpoint(args[0]).credentials(args[1], args[2], null).build();
    String table = args[3];
    TableWrite.Mode mode = TableWrite.Mode.valueOf(args[4]);
    String stopAt = args[5];
    String tag = args[6];
    int count = Integer.parseInt(args[7]);
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (int n = 0; n < count; n++) {
        TableWrite write = TableWrite.begin(settings, table, mode);
        reached("begun", stopAt);
        List<WrittenObject> committed = new ArrayList<>();
        for (int task = 0; task < 3; task++) {
          AttemptWriter attempt = write.openAttempt(s3, "task" + task);
          String name = "country=C" + task + "/" + tag + "-" + n + ".txt";
          attempt.write(name, name.getBytes(), "text/plain");
          committed.addAll(attempt.written());
          reached(task == 0 ? "wrote-some" : task == 2 ? "wrote-all" : "wrote-more", stopAt);
        }
        write.commit(committed, () -> reached("version-created", stopAt));
        reached("committed", stopAt);
      }
    }
  }

  private static void reached(String stage, String stopAt) {
    System.out.println("STAGE " + stage);
    System.out.flush();
    if (stage.equals(stopAt)) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private ChildWriter() {}
}
