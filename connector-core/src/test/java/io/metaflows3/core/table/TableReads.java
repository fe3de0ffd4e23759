package io.metaflows3.core.table;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import java.util.ArrayList;
import java.util.List;

/** What readers of a table see, as object texts in key order; shared with the engine modules' tests. */
public final class TableReads {
  private TableReads() {}

  /** What the table contract shows below a location. */
  public static List<String> visible(S3 s3, String location) {
    List<String> texts = new ArrayList<>();
    for (ObjectRange o : new ReadPlanner(s3).listPrefixes(List.of(location), PartitionFilter.ALL)) {
      texts.add(s3.get(o.url()).text());
    }
    return texts;
  }

  /** What a reader that knows nothing of the log (the AWS CLI, Spark's parquet source) sees. */
  public static List<String> plain(S3 s3, String location) {
    List<String> texts = new ArrayList<>();
    for (S3Object o : s3.listRecursive(List.of(location))) {
      if (!PartitionPaths.isHidden(o.url().substring(location.length()))) {
        texts.add(s3.get(o.url()).text());
      }
    }
    return texts;
  }
}
