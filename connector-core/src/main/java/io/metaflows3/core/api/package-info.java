/**
 * What the client takes and gives: objects and their metadata ({@link io.metaflows3.core.api.S3Object}), requests
 * ({@link io.metaflows3.core.api.S3GetObject}, {@link io.metaflows3.core.api.S3PutObject}), options, settings
 * ({@link io.metaflows3.core.api.S3Settings}), URLs and byte ranges, and the planned ranges engines read
 * ({@link io.metaflows3.core.api.ObjectRange}, {@link io.metaflows3.core.api.ReadSplit}). Values only: nothing here
 * talks to S3.
 */
package io.metaflows3.core.api;
