package io.metaflows3.spark;

import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.hadoop.ListedObjects;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.execution.datasources.FilePartition;

/**
 * One task's input: Spark's own file partition (what its readers take), with the listing's view of each object
 * in it, told to the executor's file system before reading, so opening costs no HEAD and reads are pinned to
 * the listed version.
 */
record FilesPartition(FilePartition files, List<ObjectRange> objects) implements InputPartition {
  void rememberListing() {
    for (ObjectRange o : objects) {
      ListedObjects.remember(o.url(), new ListedObjects.Listed(o.size(), o.version(), 0L));
    }
  }
}
