package io.metaflows3.beam;

import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.table.TableLayout;
import io.metaflows3.core.table.TableWrite;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Begins the write when the pipeline runs (not when it is built), so each run of the same graph gets its own
 * write id: marks the table, then emits the write for the writers and the commit to share.
 */
final class BeginWriteFn extends DoFn<String, TableWrite> {
  private final S3Settings settings;
  private final TableWrite.Mode mode;
  /** The Delta table's layout for rows; null for objects. */
  private final TableLayout layout;
  private final boolean mergeSchema;
  /** The caller's transaction id; null: the write's own. */
  private final TableWrite.Transaction transaction;

  BeginWriteFn(S3Settings settings, TableWrite.Mode mode, TableLayout layout, boolean mergeSchema,
      TableWrite.Transaction transaction) {
    this.settings = settings;
    this.mode = mode;
    this.layout = layout;
    this.mergeSchema = mergeSchema;
    this.transaction = transaction;
  }

  @ProcessElement
  public void process(@Element String table, OutputReceiver<TableWrite> out) {
    TableWrite begun = layout == null ? TableWrite.begin(settings, table, mode) : TableWrite.begin(settings, table,
        mode, layout, mergeSchema);
    out.output(transaction == null ? begun : begun.withTransaction(transaction.appId(), transaction.version()));
  }
}
