/**
 * metaflow.S3 for the JVM: {@link io.metaflows3.core.S3}, the client, a facade over the layers below it, and the
 * helpers engines read with ({@link io.metaflows3.core.RangeStream}, {@link io.metaflows3.core.LineReader},
 * {@link io.metaflows3.core.SharedClients}). Layers, each depending only on those after it:
 * {@code core.table} (tables, run discovery), this package, {@code core.transfer} (the engine, internal),
 * {@code core.api} (values), {@code core.metaflow} (metaflow's configuration, layout and errors);
 * {@code PackageLayersTest} keeps it so.
 */
package io.metaflows3.core;
