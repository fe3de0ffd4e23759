package io.metaflows3.core.table;

import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.internal.DeltaLogActionUtils.DeltaAction;
import io.delta.kernel.internal.TableImpl;
import io.delta.kernel.internal.actions.AddFile;
import io.delta.kernel.internal.actions.CommitInfo;
import io.delta.kernel.internal.actions.RemoveFile;
import io.delta.kernel.internal.actions.SetTransaction;
import io.delta.kernel.internal.data.StructRow;
import io.delta.kernel.utils.CloseableIterator;
import java.io.IOException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One action of a commit as Kernel's {@code getChanges} reads the commits: the commit's version and the action
 * (each accessor is null where the action is of another type, or of a type not asked for).
 */
record LogChange(ColumnarBatch batch, int row) {
  /**
   * Calls {@code each} with every action of the types {@code actions} of the commits {@code from} to {@code to};
   * their JSON files must still be in the log.
   */
  static void forEach(DeltaTable table, long from, long to, Set<DeltaAction> actions, Consumer<LogChange> each)
      throws IOException {
    try (CloseableIterator<ColumnarBatch> batches = ((TableImpl) table.kernelTable()).getChanges(table.engine(),
        from, to, actions)) {
      while (batches.hasNext()) {
        ColumnarBatch batch = batches.next();
        for (int i = 0; i < batch.getSize(); i++) {
          each.accept(new LogChange(batch, i));
        }
      }
    }
  }

  long version() {
    return column("version").getLong(row);
  }

  AddFile add() {
    ColumnVector v = present("add");
    return v == null ? null : new AddFile(StructRow.fromStructVector(v, row));
  }

  RemoveFile remove() {
    ColumnVector v = present("remove");
    return v == null ? null : new RemoveFile(StructRow.fromStructVector(v, row));
  }

  CommitInfo commitInfo() {
    ColumnVector v = present("commitInfo");
    return v == null ? null : CommitInfo.fromColumnVector(v, row);
  }

  SetTransaction txn() {
    ColumnVector v = present("txn");
    return v == null ? null : SetTransaction.fromColumnVector(v, row);
  }

  /** The column of an action type when this row holds one, else null. */
  private ColumnVector present(String name) {
    int index = batch.getSchema().indexOf(name);
    return index < 0 || batch.getColumnVector(index).isNullAt(row) ? null : batch.getColumnVector(index);
  }

  private ColumnVector column(String name) {
    return batch.getColumnVector(batch.getSchema().indexOf(name));
  }
}
