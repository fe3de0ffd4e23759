/**
 * metaflow's side of the contract, as metaflow's own client has it: its configuration
 * ({@link io.metaflows3.core.metaflow.MetaflowConfig}: environment, project and home config files, profiles),
 * a run's layout ({@link io.metaflows3.core.metaflow.FlowRun}, {@link io.metaflows3.core.metaflow.TaskContext}),
 * the lineage headers, IncludeFile's descriptors and encoding, and metaflow's S3 errors by their names
 * ({@link io.metaflows3.core.metaflow.MetaflowS3Exception} and its subclasses). The bottom layer: it depends on
 * nothing else of this library.
 */
package io.metaflows3.core.metaflow;
