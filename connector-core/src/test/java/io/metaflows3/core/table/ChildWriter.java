package io.metaflows3.core.table;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A writer in a JVM of its own, for the crash and race tests: {@code endpoint accessKey secretKey table mode
 * stage tag count kind}, kind {@code objects} or {@code delta} (a Delta table of {@link #LAYOUT}, whose files
 * hold text: the commit protocol never reads them). It makes {@code count} writes of three objects each, printing
 * each step it reaches
 * ({@code STAGE begun}, {@code STAGE wrote-some}, {@code STAGE wrote-all}, {@code STAGE version-created},
 * {@code STAGE committed}); at {@code stage} it stops and waits to be killed ({@code none}: it never waits).
 */
public final class ChildWriter {
  /** The layout of the Delta tables children write: partitioned by country. */
  static final TableLayout LAYOUT = new TableLayout("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\","
      + "\"type\":\"long\",\"nullable\":true,\"metadata\":{}},{\"name\":\"country\",\"type\":\"string\","
      + "\"nullable\":true,\"metadata\":{}}]}", List.of("country"));

  public static void main(String[] args) throws Exception {
    S3Settings settings = S3Settings.builder().endpoint(args[0]).credentials(args[1], args[2], null).build();
    String table = args[3];
    TableWrite.Mode mode = TableWrite.Mode.valueOf(args[4]);
    String stopAt = args[5];
    String tag = args[6];
    int count = Integer.parseInt(args[7]);
    boolean delta = args[8].equals("delta");
    try (S3 s3 = S3.builder().settings(settings).environment(Map.of()).build()) {
      for (int n = 0; n < count; n++) {
        TableWrite write = delta ? TableWrite.begin(settings, table, mode, LAYOUT)
            : TableWrite.begin(settings, table, mode);
        reached("begun", stopAt);
        List<WrittenObject> committed = new ArrayList<>();
        for (int task = 0; task < 3; task++) {
          AttemptWriter attempt = write.openAttempt(s3, "task" + task);
          String name = "country=C" + task + "/" + tag + "-" + n + ".txt";
          WrittenObject o = attempt.write(name, name.getBytes(), "text/plain");
          committed.add(delta ? inPartition(o, "C" + task) : o);
          reached(task == 0 ? "wrote-some" : task == 2 ? "wrote-all" : "wrote-more", stopAt);
        }
        long version = write.commit(committed, () -> reached("version-created", stopAt)).version();
        System.out.println("COMMITTED " + version + " " + write.baseVersion());
        reached("committed", stopAt);
      }
    }
  }

  /** {@code o} as a data file of partition {@code country=value}. */
  static WrittenObject inPartition(WrittenObject o, String country) {
    return new WrittenObject(o.name(), o.key(), o.size(), Map.of("country", country), null);
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
