package io.metaflows3.core.transfer;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Sends no Content-Type for an object written without one, as metaflow's client does (S3 then stores its own
 * default); the SDK would otherwise send its request body's {@code application/octet-stream}. Runs before
 * signing, so the header is neither sent nor signed.
 */
public final class NoDefaultContentType implements ExecutionInterceptor {
  @Override
  public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
    SdkRequest request = context.request();
    boolean noneGiven = request instanceof PutObjectRequest put && put.contentType() == null
        || request instanceof CreateMultipartUploadRequest create && create.contentType() == null;
    return noneGiven ? context.httpRequest().toBuilder().removeHeader("Content-Type").build()
        : context.httpRequest();
  }
}
