package io.metaflows3.spark;

import io.metaflows3.core.ReadSplit;
import org.apache.spark.sql.connector.read.InputPartition;

/** One read split as a Spark input partition: packed small objects, or one byte range of a large one. */
record SplitPartition(ReadSplit split) implements InputPartition {}
