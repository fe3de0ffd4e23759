package io.metaflows3.core.transfer;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Stores objects: bytes and small files in one PUT, large files streamed as parallel multipart parts (an
 * upload that fails is aborted, so no parts are left behind). With {@code ifAbsent} the write is
 * conditional and an existing object is kept. The future yields the stored object's ETag, or null when
 * {@code ifAbsent} found the key taken.
 */
public final class Uploader {
  private final TransferEngine engine;

  public Uploader(TransferEngine engine) {
    this.engine = engine;
  }

  /** Stores {@code obj} at {@code url}: its ETag, or null when {@code ifAbsent} found the key taken. */
  public CompletableFuture<String> upload(S3Url url, S3PutObject obj, ObjectHeaders headers, boolean ifAbsent) {
    CompletableFuture<String> stored;
    if (obj.value() != null) {
      byte[] value = obj.value();
      stored = engine.put(url, () -> AsyncRequestBody.fromBytesUnsafe(value), value.length, headers, ifAbsent)
          .thenApply(r -> r.eTag());
    } else {
      long size;
      try {
        size = Files.size(obj.path());
      } catch (IOException e) {
        return CompletableFuture.failedFuture(new MetaflowS3Exception(
            "cannot read local file " + obj.path() + " (" + e.getClass().getSimpleName() + ")", url.toString(), e));
      }
      stored = size <= engine.settings().multipartThreshold()
          ? engine.put(url, () -> AsyncRequestBody.fromFile(obj.path()), size, headers, ifAbsent)
              .thenApply(r -> r.eTag())
          : multipart(url, obj.path(), size, headers, ifAbsent);
    }
    return stored.exceptionally(error -> {
      if (ifAbsent && Errors.status(error) == 412) {
        return null;
      }
      throw Errors.toTyped(error, url.toString());
    });
  }

  private CompletableFuture<String> multipart(S3Url url, Path file, long size, ObjectHeaders headers,
      boolean ifAbsent) {
    CompletableFuture<Boolean> taken = ifAbsent
        // Skip the upload of a key that is already there; the conditional complete still guards the race.
        ? engine.head(url).handle((r, e) -> {
            if (e == null) {
              return true;
            }
            if (Errors.isNotFound(e)) {
              return false;
            }
            throw Errors.toTyped(e, url.toString());
          })
        : CompletableFuture.completedFuture(false);
    return taken.thenCompose(exists -> exists ? CompletableFuture.<String>completedFuture(null)
        : engine.createMultipart(url, headers).thenCompose(uploadId ->
            uploadParts(url, uploadId, file, size)
                .thenCompose(parts -> engine.completeMultipart(url, uploadId, parts, ifAbsent))
                .exceptionallyCompose(error -> engine.abortMultipart(url, uploadId)
                    .<String>handle((aborted, abortError) -> {
                      throw new CompletionException(Errors.unwrap(error));
                    }))));
  }

  private CompletableFuture<List<CompletedPart>> uploadParts(S3Url url, String uploadId, Path file, long size) {
    long partSize = Math.max(engine.settings().partSize(), 5 * S3Settings.MIB);
    // S3 allows at most 10,000 parts: grow the part for huge files.
    partSize = Math.max(partSize, (size + 9_999) / 10_000);
    List<CompletableFuture<CompletedPart>> parts = new ArrayList<>();
    int number = 1;
    for (long at = 0; at < size; at += partSize, number++) {
      parts.add(engine.uploadPart(url, uploadId, number, file, at, Math.min(partSize, size - at)));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .thenApply(v -> parts.stream().map(CompletableFuture::join).toList());
  }
}
