/**
 * The table contract: what a reader of a location sees, shared unchanged by the Beam and Spark connectors.
 *
 * <h2>Partitions</h2>
 * Spark's rules ({@link io.metaflows3.core.table.PartitionPaths}, {@link io.metaflows3.core.table.PartitionType},
 * {@link io.metaflows3.core.table.PartitionSchema}): {@code column=value} folders read upwards from a file,
 * names and values escaped as Hive/Spark escape them, null as {@code __HIVE_DEFAULT_PARTITION__}, types inferred
 * per value and widened per column, hidden names skipped except {@code _k=v}. Spark's {@code spark.read.parquet}
 * is the reference; connector-spark's {@code TableDifferentialTest} compares the two side by side.
 * {@link io.metaflows3.core.table.PartitionFilter}s are evaluated on typed values while listing, with SQL's
 * three-valued logic; a partition is skipped only when no row of it can match.
 *
 * <h2>Commits</h2>
 * A table is a location with a commit log ({@link io.metaflows3.core.table.TableLog}) in its hidden folder
 * {@code _metaflow_s3_log/}: versions {@code 00000000000000000000.tsv}, {@code ..01.tsv}, ..., each created with a
 * conditional PUT ({@code If-None-Match: *}), so exactly one writer gets a number. A version
 * ({@link io.metaflows3.core.table.TableVersion}) names its commit and lists the keys it adds (with sizes) and
 * removes; replaying the versions gives the visible objects ({@link io.metaflows3.core.table.TableSnapshot}).
 * Every 100th version's committer also stores the state as of it
 * ({@link io.metaflows3.core.table.TableCheckpoint}), so readers replay only the versions after the newest one.
 *
 * <p>A {@link io.metaflows3.core.table.TableWrite} begins when the job runs: if the location has no log, version
 * 0 adopts what other tools wrote there, so from then on only committed objects are visible and nothing a task
 * writes (under a key unique to its attempt, never overwriting) shows before the commit. The commit reads the
 * log, computes what it removes (nothing, everything, or the partitions it writes), and tries the next number,
 * again on a lost race. Afterwards it deletes what no version shows any more: what it and earlier versions
 * removed (a commit killed before this step is healed by the next) and its own failed attempts, so readers that
 * ignore the log see the same objects. A retried commit finds its version by name; a write committed per
 * window and pane commits parts, each a version of its own.
 *
 * <h2>Reads</h2>
 * {@link io.metaflows3.core.table.ReadPlanner} honours the log of the nearest table at or above a location
 * (probing each folder up to the bucket, or the client's root) and of tables below it. It reads every log
 * before the listing it checks against it: what a version adds was stored before the version, so such a
 * listing holds it all, and a committed object missing from it is an error, never a silently short read.
 * Outside tables, a location is plain files: all but hidden names, folder markers and empty objects.
 *
 * <h2>Not yet</h2>
 * Objects of a writer killed before its commit stay (invisible here, visible to plain readers) until a lease or
 * retention rule can tell a dead write from a slow one. Version files a checkpoint stands for are kept (and
 * listed on each load): nothing deletes them yet.
 */
package io.metaflows3.core.table;
