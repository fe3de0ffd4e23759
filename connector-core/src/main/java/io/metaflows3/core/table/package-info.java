/**
 * The table contract: what a reader of a location sees, shared unchanged by the Beam and Spark connectors.
 *
 * <h2>Partitions</h2>
 * Spark's rules ({@link io.metaflows3.core.table.PartitionPaths}, {@link io.metaflows3.core.table.PartitionType},
 * {@link io.metaflows3.core.table.PartitionSchema}): {@code column=value} folders read upwards from a file,
 * names and values escaped as Hive/Spark escape them, null as {@code __HIVE_DEFAULT_PARTITION__}, types inferred
 * per value and widened per column, hidden names skipped except {@code _k=v}. Spark's {@code spark.read.parquet}
 * is the reference; connector-spark's {@code TableDifferentialTest} compares the two side by side. A Delta
 * table's partition values come from its log instead, typed by its schema ({@link
 * io.metaflows3.core.table.DeltaPartitions}). {@link io.metaflows3.core.table.PartitionFilter}s are evaluated on
 * typed values, with SQL's three-valued logic; a partition is skipped only when no row of it can match.
 *
 * <h2>Tables of rows: Delta Lake</h2>
 * A {@link io.metaflows3.core.table.TableWrite} begun with a {@link io.metaflows3.core.table.TableLayout} writes a
 * Delta table through Delta Kernel, whose file I/O is this library's client ({@link
 * io.metaflows3.core.table.S3FileIO}: a version is created with a conditional PUT, so exactly one writer gets
 * each number). The table is created, empty, when the write begins; tasks store files under keys unique to their
 * attempt ({@link io.metaflows3.core.table.AttemptWriter#writeDataFile}, with partition values and the footer's
 * statistics); {@link io.metaflows3.core.table.DeltaCommit} commits them once under the write's transaction id,
 * settling lost races and lost answers by reading the log, never by guessing. Removes are logical; {@link
 * io.metaflows3.core.table.Vacuum} deletes what no snapshot within the retention names. {@link
 * io.metaflows3.core.table.DeltaTable} reads snapshots (newest, by version, by time) and their files for the
 * planner; features whose files cannot be read as they are (deletion vectors, column mapping) are refused.
 * {@link io.metaflows3.core.table.TableNesting} refuses tables inside or around tables.
 *
 * <h2>Objects: the same commits, a record of their own</h2>
 * Objects that are not rows (Beam's {@code write()}, Spark's binary writes, model files) are not Delta data files,
 * so they are not made a Delta table a Delta reader would try to read: a write of them ({@link
 * io.metaflows3.core.table.TableWrite#begin(io.metaflows3.core.api.S3Settings, String,
 * io.metaflows3.core.table.TableWrite.Mode)}) records them in a Delta log of their own in the hidden folder
 * {@code _metaflow_objects/} below the location, by URL, partitioned by folder. The commit, the transaction ids,
 * the logical removes, vacuum and nesting rules are the tables' own code.
 *
 * <h2>The earlier log, read only</h2>
 * Tables this library wrote before Delta have a log of its own in {@code _metaflow_s3_log/} ({@link
 * io.metaflows3.core.table.TableLog}: numbered versions naming the keys each adds and removes, replayed from the
 * newest checkpoint). Readers still read them as they did, so data stored under earlier runs stays readable;
 * nothing writes that log any more, and a write to such a location is refused (a run's location is new anyway).
 *
 * <h2>Reads</h2>
 * {@link io.metaflows3.core.table.ReadPlanner} honours the log of the nearest table at or above a location (one
 * listing per folder up to the bucket, or the client's root, of the names starting with '_') and of tables below
 * it. A Delta table's data is never listed: its files come from the snapshot. An earlier log is read before the
 * listing it checks against it, and a committed object missing from the listing is an error, never a silently
 * short read. Outside tables, a location is plain files: all but hidden names, folder markers and empty objects.
 */
package io.metaflows3.core.table;
