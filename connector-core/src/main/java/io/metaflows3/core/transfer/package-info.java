/**
 * The transfer engine, internal: the SDK's async client and its settings, requests in flight and bandwidth
 * limits, downloads into temp files (large objects as parallel byte ranges), uploads (multipart when large),
 * parallel listings, retries and the mapping of SDK failures to typed errors. Public for the engines of this
 * project only; its classes may change in any release. Users go through {@link io.metaflows3.core.S3}.
 */
package io.metaflows3.core.transfer;
