package io.metaflows3.core.table;

import io.delta.kernel.defaults.engine.fileio.FileIO;
import io.delta.kernel.defaults.engine.fileio.InputFile;
import io.delta.kernel.defaults.engine.fileio.OutputFile;
import io.delta.kernel.defaults.engine.fileio.PositionOutputStream;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Url;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Delta Kernel's file I/O over a client of this library (one without a root: Kernel names files by URL). A log
 * file is created at most once with a conditional PUT ({@code If-None-Match: *}), so of two writers of one
 * version exactly one succeeds and the other learns it as {@link FileAlreadyExistsException}: Kernel's way to
 * tell a lost race, on any S3 with conditional writes and no lock service. Listings start at the version asked
 * for (S3's start-after), and files are read through the client's temp files.
 */
final class S3FileIO implements FileIO {
  private final S3 s3;

  S3FileIO(S3 s3) {
    if (s3.root().isPresent()) {
      throw new IllegalArgumentException("Kernel's file I/O needs a client without a root");
    }
    this.s3 = s3;
  }

  /** The files of the folder of {@code filePath} named at or after it; no such folder is a FileNotFoundException. */
  @Override
  public CloseableIterator<FileStatus> listFrom(String filePath) throws IOException {
    List<S3Object> listed;
    try {
      listed = s3.listFrom(filePath);
    } catch (MetaflowS3Exception e) {
      throw new IOException("cannot list " + filePath + ": " + e.getMessage(), e);
    }
    List<FileStatus> files = listed.stream().filter(S3Object::exists).map(S3FileIO::status).toList();
    if (files.isEmpty()) {
      String folder = filePath.substring(0, filePath.lastIndexOf('/') + 1);
      if (!s3.hasObjectsBelow(folder)) {
        throw new FileNotFoundException("no such folder: " + folder);
      }
    }
    return Utils.toCloseableIterator(files.iterator());
  }

  @Override
  public FileStatus getFileStatus(String path) throws IOException {
    try {
      return status(s3.info(path));
    } catch (MetaflowS3NotFound e) {
      throw notFound(path, e);
    }
  }

  @Override
  public String resolvePath(String path) {
    return S3Url.parse(path).toString();
  }

  /** S3 has no folders: there is nothing to make. */
  @Override
  public boolean mkdirs(String path) {
    return true;
  }

  /** The file, fetched whole into a temp file of the client when a stream is opened, released when it closes. */
  @Override
  public InputFile newInputFile(String path, long fileSize) {
    return new InputFile() {
      @Override
      public long length() {
        return fileSize;
      }

      @Override
      public String path() {
        return path;
      }

      @Override
      public io.delta.kernel.defaults.engine.fileio.SeekableInputStream newStream() throws IOException {
        S3Object fetched;
        try {
          fetched = s3.get(path);
        } catch (MetaflowS3NotFound e) {
          throw notFound(path, e);
        } catch (MetaflowS3Exception e) {
          throw new IOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return new LocalInputFile(path, fetched.path().orElseThrow(), () -> s3.release(fetched)).newStream();
      }
    };
  }

  @Override
  public OutputFile newOutputFile(String path) {
    return new OutputFile() {
      @Override
      public String path() {
        return path;
      }

      /** A local file, stored when the stream closes; created only if absent when {@code atomicWrite}. */
      @Override
      public PositionOutputStream create(boolean atomicWrite) throws IOException {
        Path local = Files.createTempFile(s3.tempDir(), "kernel-", ".out");
        OutputStream out = Files.newOutputStream(local);
        return new PositionOutputStream() {
          private long position;

          @Override
          public long getPos() {
            return position;
          }

          @Override
          public void write(int b) throws IOException {
            out.write(b);
            position++;
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            position += len;
          }

          @Override
          public void close() throws IOException {
            out.close();
            try {
              store(S3PutObject.ofFile(path, local), !atomicWrite);
            } finally {
              Files.deleteIfExists(local);
            }
          }
        };
      }

      @Override
      public void writeAtomically(CloseableIterator<String> data, boolean overwrite) throws IOException {
        StringBuilder text = new StringBuilder();
        try (data) {
          while (data.hasNext()) {
            text.append(data.next()).append('\n');
          }
        }
        store(S3PutObject.of(path, text.toString().getBytes(StandardCharsets.UTF_8))
            .withContentType("application/json"), overwrite);
      }
    };
  }

  private void store(S3PutObject object, boolean overwrite) throws IOException {
    List<?> stored;
    try {
      stored = overwrite ? s3.putMany(List.of(object)) : s3.putMany(List.of(object), PutOption.NO_OVERWRITE);
    } catch (MetaflowS3Exception e) {
      throw new IOException("cannot store " + object.key() + ": " + e.getMessage(), e);
    }
    if (stored.isEmpty()) {
      throw new FileAlreadyExistsException(object.key());
    }
  }

  @Override
  public boolean delete(String path) throws IOException {
    try {
      s3.delete(path);
      return true;
    } catch (MetaflowS3Exception e) {
      throw new IOException("cannot delete " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<String> getConf(String confKey) {
    return Optional.empty();
  }

  @Override
  public void copyFileAtomically(String srcPath, String destPath, boolean overwrite) throws IOException {
    S3Object source;
    try {
      source = s3.get(srcPath);
    } catch (MetaflowS3NotFound e) {
      throw notFound(srcPath, e);
    }
    try {
      store(S3PutObject.ofFile(destPath, source.path().orElseThrow()), overwrite);
    } finally {
      s3.release(source);
    }
  }

  private static FileStatus status(S3Object o) {
    return FileStatus.of(o.url(), o.size(), o.lastModified().map(t -> t.toEpochMilli()).orElse(0L));
  }

  private static FileNotFoundException notFound(String path, Exception cause) {
    FileNotFoundException e = new FileNotFoundException(path);
    e.initCause(cause);
    return e;
  }
}
