package io.metaflows3.core.transfer;

import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A client's private temp folder. File names are counters, never derived from keys, so no key can place a
 * file outside it; {@link #close()} deletes the folder with everything in it. Files are spread over
 * {@link #SHARDS} sub-folders: creating and deleting files in one folder serializes on the folder's lock,
 * which capped many-small-object downloads.
 */
public final class TempDir implements AutoCloseable {
  private static final int SHARDS = 16;
  private final Path dir;
  private final AtomicLong counter = new AtomicLong();

  public TempDir(String parent) {
    try {
      Path base = Path.of(parent == null ? System.getProperty("java.io.tmpdir") : parent);
      Files.createDirectories(base);
      this.dir = Files.createTempDirectory(base, "metaflow.s3.");
      for (int i = 0; i < SHARDS; i++) {
        Files.createDirectory(dir.resolve(Integer.toString(i)));
      }
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot create a temp folder under " + parent + " (" + e.getMessage() + ")",
          null, e);
    }
  }

  public Path dir() {
    return dir;
  }

  public Path newFile() {
    long n = counter.incrementAndGet();
    return dir.resolve(Long.toString(n % SHARDS)).resolve("obj-" + n);
  }

  public static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // The folder is removed on close anyway.
    }
  }

  @Override
  public void close() {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(TempDir::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up " + dir, e);
    }
  }
}
