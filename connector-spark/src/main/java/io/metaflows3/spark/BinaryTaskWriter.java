package io.metaflows3.spark;

import org.apache.spark.sql.catalyst.InternalRow;

/** Format binary: each row is an object, {@code key} naming it (below its partition folder), {@code content} its bytes. */
final class BinaryTaskWriter extends TaskWriter {
  private final int key;
  private final int content;

  BinaryTaskWriter(Target target) {
    super(target);
    this.key = target.schema().fieldIndex("key");
    this.content = target.schema().fieldIndex("content");
  }

  @Override
  public void write(InternalRow row) {
    if (row.isNullAt(key) || row.isNullAt(content)) {
      throw new IllegalArgumentException("format binary needs a key and content in every row");
    }
    writer.write(folderOf(row) + row.getUTF8String(key).toString(), row.getBinary(content),
        "application/octet-stream");
  }

  @Override
  void flush() {
    // Every row was stored as it came.
  }

}
