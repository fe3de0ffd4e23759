package io.metaflows3.core.transfer;

import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.api.RangeInfo;
import io.metaflows3.core.api.S3Url;
import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Downloads one object, or a byte range of it, into a temp file. Objects larger than a part are fetched as
 * parallel byte ranges written in place; every range after the first is pinned to the first's ETag, so an
 * object replaced mid-download fails instead of mixing versions. A failed download leaves no file behind.
 */
public final class Downloader {
  private final TransferEngine engine;
  private final TempDir temp;
  /** Downloads with an open file: a getMany of 100,000 keys must not hold 100,000 file descriptors. */
  private final InFlightLimit openFiles;

  public Downloader(TransferEngine engine, TempDir temp) {
    this.engine = engine;
    this.temp = temp;
    this.openFiles = new InFlightLimit(2 * engine.settings().maxInFlight());
  }

  /** What a download produced: the file, the first response (for the object's info) and the bytes it holds. */
  public record Result(Path path, GetObjectResponse info, RangeInfo range) {}

  /**
   * Downloads {@code range} (null: the whole object) of {@code url}. {@code knownSize} and {@code etag} come
   * from a listing when there was one (-1 and null otherwise); they let a large object fan out at once.
   */
  public CompletableFuture<Result> download(S3Url url, ByteRange range, long knownSize, String etag) {
    return openFiles.submit(() -> {
      Path path = temp.newFile();
      // Creating a file can take a millisecond on a busy disk: do it on the disk threads, not the caller's.
      return CompletableFuture.supplyAsync(() -> open(path, url), DiskThreads.POOL)
          .thenCompose(channel -> download(url, range, knownSize, etag, path, channel));
    });
  }

  private static AsynchronousFileChannel open(Path path, S3Url url) {
    try {
      return AsynchronousFileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          DiskThreads.POOL);
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot create temp file", url.toString(), e);
    }
  }

  private CompletableFuture<Result> download(S3Url url, ByteRange range, long knownSize, String etag, Path path,
      AsynchronousFileChannel channel) {
    long part = engine.settings().partSize();
    CompletableFuture<Result> result;
    if (range == null && knownSize >= 0 && knownSize <= part) {
      result = engine.getInto(url, null, knownSize, etag, channel, 0)
          .thenApply(r -> new Result(path, r, new RangeInfo(r.contentLength(), 0, r.contentLength())));
    } else if (range == null && knownSize > part) {
      result = parts(url, channel, 0, 0, knownSize, etag)
          .thenApply(rs -> new Result(path, rs.get(0), new RangeInfo(knownSize, 0, knownSize)));
    } else {
      result = probeThenRest(url, path, channel, range, part);
    }
    return result.handle((r, error) -> {
      try (channel) {
        if (error == null && channel.size() != r.range().length()) {
          throw new TruncatedBodyException(r.range().length(), channel.size());
        }
      } catch (IOException e) {
        error = error == null ? e : error;
      }
      if (error != null) {
        TempDir.deleteQuietly(path);
        throw Errors.toTyped(error, url.toString());
      }
      return r;
    });
  }

  /** Size unknown: GET the first part, learn the total from Content-Range, then fetch the rest in parallel. */
  private CompletableFuture<Result> probeThenRest(S3Url url, Path path, AsynchronousFileChannel channel, ByteRange range,
      long part) {
    ByteRange first = range == null ? ByteRange.of(0, part)
        : range.isSuffix() ? range
        : ByteRange.of(range.offset(), range.length() == ByteRange.TO_END ? part : Math.min(part, range.length()));
    return engine.getInto(url, first, 0, null, channel, 0) // size unknown: charged when in
        .handle((r, error) -> {
          if (error != null && range == null && Errors.status(error) == 416) {
            // Only an empty object refuses bytes=0-...; fetch it plainly.
            return engine.getInto(url, null, 0, null, channel, 0)
                .thenApply(e -> new Result(path, e, new RangeInfo(0, 0, 0)));
          }
          if (error != null) {
            return CompletableFuture.<Result>failedFuture(error);
          }
          long[] got = contentRange(r);
          long total = got[2];
          long start = got[0];
          long end = range == null || range.isSuffix() || range.length() == ByteRange.TO_END
              ? total : Math.min(total, range.offset() + range.length());
          return parts(url, channel, start, got[1] + 1, end, r.eTag())
              .thenApply(rest -> new Result(path, r, new RangeInfo(total, start, end - start)));
        })
        .thenCompose(f -> f);
  }

  /** GETs [from, to) of the object in parts, writing each at its offset from {@code windowStart}. */
  private CompletableFuture<List<GetObjectResponse>> parts(S3Url url, AsynchronousFileChannel channel, long windowStart,
      long from, long to, String etag) {
    long part = engine.settings().partSize();
    List<CompletableFuture<GetObjectResponse>> sent = new ArrayList<>();
    for (long at = from; at < to; at += part) {
      long length = Math.min(part, to - at);
      sent.add(engine.getInto(url, ByteRange.of(at, length), length, etag, channel, at - windowStart));
    }
    return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
        .thenApply(v -> sent.stream().map(CompletableFuture::join).toList());
  }

  /** Parses {@code bytes a-b/total} into {a, b, total}; a response without it holds the whole object. */
  public static long[] contentRange(GetObjectResponse r) {
    String header = r.contentRange();
    if (header == null) {
      long n = r.contentLength();
      return new long[] {0, n - 1, n};
    }
    String[] span = header.substring(header.indexOf(' ') + 1).split("[-/]");
    return new long[] {Long.parseLong(span[0]), Long.parseLong(span[1]), Long.parseLong(span[2])};
  }
}
