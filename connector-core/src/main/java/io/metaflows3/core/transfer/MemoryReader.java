package io.metaflows3.core.transfer;

import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3InvalidRange;
import io.metaflows3.core.api.ObjectBytes;
import io.metaflows3.core.api.RangeInfo;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Url;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Reads a byte range of an object straight into memory, as parallel GETs of one part each; no temp file,
 * so an engine reader pays no disk write and read-back. The parts must all come from one version of the
 * object (same ETag), or the read fails.
 */
public final class MemoryReader {
  private final TransferEngine engine;

  public MemoryReader(TransferEngine engine) {
    this.engine = engine;
  }

  /**
   * Reads {@code length} bytes from {@code offset}, which the caller knows to lie inside the object, of the
   * version with ETag {@code ifMatch} (null: any); the result's info is named relative to {@code prefix}.
   */
  public CompletableFuture<ObjectBytes> read(S3Url url, String prefix, long offset, long length, String ifMatch) {
    if (offset < 0 || length < 0 || length > Integer.MAX_VALUE - 8) {
      throw new MetaflowS3InvalidRange("cannot read " + length + " bytes at " + offset + " into memory",
          url.toString(), null);
    }
    byte[] bytes = new byte[(int) length];
    List<CompletableFuture<GetObjectResponse>> parts = new ArrayList<>();
    if (length == 0) {
      parts.add(engine.getIntoArray(url, null, ifMatch, bytes, 0, 0)); // an empty object refuses byte ranges
    }
    int part = (int) Math.min(engine.settings().partSize(), Integer.MAX_VALUE - 8);
    for (int at = 0; at < length; at += part) {
      int n = (int) Math.min(part, length - at);
      parts.add(engine.getIntoArray(url, ByteRange.of(offset + at, n), ifMatch, bytes, at, n));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .handle((v, error) -> {
          if (error != null) {
            throw Errors.toTyped(error, url.toString());
          }
          return result(url, prefix, offset, bytes, parts.stream().map(CompletableFuture::join).toList());
        });
  }

  private static ObjectBytes result(S3Url url, String prefix, long offset, byte[] bytes,
      List<GetObjectResponse> parts) {
    GetObjectResponse first = parts.get(0);
    long received = 0;
    for (GetObjectResponse p : parts) {
      if (!first.eTag().equals(p.eTag())) {
        throw new MetaflowS3Exception("object replaced while being read", url.toString());
      }
      received += p.contentLength();
    }
    if (received != bytes.length) {
      throw new MetaflowS3InvalidRange("the object ends before byte " + (offset + bytes.length), url.toString(),
          null);
    }
    long total = Downloader.contentRange(first)[2];
    S3Object info = S3Object.builder(url, prefix)
        .size(bytes.length)
        .range(new RangeInfo(total, offset, bytes.length))
        .etag(first.eTag())
        .info(first.contentType(), first.metadata(), first.lastModified(), first.serverSideEncryptionAsString())
        .build();
    return new ObjectBytes(info, bytes);
  }
}
