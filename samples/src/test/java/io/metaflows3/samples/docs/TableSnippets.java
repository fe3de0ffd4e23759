package io.metaflows3.samples.docs;

// doc:tables-vacuum
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.Vacuum;
// end:tables-vacuum

/** The vacuum snippet of docs/tables.md. */
final class TableSnippets {
  private TableSnippets() {}

  static Vacuum.Result vacuum() {
    // doc:tables-vacuum
    Vacuum.Result r = Vacuum.vacuum(S3Settings.defaults(), "s3://bucket/data/TrainFlow/7/models/spark/");
    // end:tables-vacuum
    return r;
  }
}
