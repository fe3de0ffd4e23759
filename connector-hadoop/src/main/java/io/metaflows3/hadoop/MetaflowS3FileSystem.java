package io.metaflows3.hadoop;

import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.SharedClients;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * {@code s3://bucket/key} as a Hadoop file system over connector-core, so Hadoop-based readers and writers
 * (Spark's Parquet and text readers, Parquet's writers, any Hadoop tool) get the core's fetching: exact ranged
 * GETs, parallel vectored reads, retries with backoff, metaflow's configuration. Prefixes are directories.
 * S3 has no rename, and this file system does not pretend to have one. Configure it with
 * {@link FileSystemSettings} ({@code fs.s3.impl} and {@code metaflow.s3.*} entries).
 */
public final class MetaflowS3FileSystem extends FileSystem {
  public static final String SCHEME = "s3";
  private static final long BLOCK_SIZE = 128L << 20;
  private URI uri;
  private S3 s3;
  private Path workingDirectory;

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    uri = URI.create(SCHEME + "://" + name.getAuthority());
    workingDirectory = new Path(uri.toString() + "/");
    s3 = SharedClients.get(FileSystemSettings.of(conf));
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public URI getUri() {
    return uri;
  }

  /** The S3 URL of a path: the key is the path's decoded text, so {@code %}, spaces and {@code =} survive. */
  public static String urlOf(Path path) {
    URI u = path.toUri();
    String key = u.getPath() == null || u.getPath().isEmpty() ? "" : u.getPath().substring(1);
    return SCHEME + "://" + u.getAuthority() + "/" + key;
  }

  /** The path of an S3 URL (of an object or a prefix), with the key quoted as a URI needs it. */
  public static Path pathOf(String url) {
    String rest = url.substring((SCHEME + "://").length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    if (key.endsWith("/")) {
      key = key.substring(0, key.length() - 1); // a prefix: Hadoop names directories without the slash
    }
    try {
      return new Path(new URI(SCHEME, bucket, "/" + key, null));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not an S3 URL: " + url, e);
    }
  }

  @Override
  public FSDataInputStream open(Path path, int bufferSize) throws IOException {
    FileStatus status = getFileStatus(path);
    if (status.isDirectory()) {
      throw new FileNotFoundException(path + " is a directory (a prefix), not an object");
    }
    String url = urlOf(makeQualified(path));
    ListedObjects.Listed listed = ListedObjects.lookup(url);
    if (listed != null) {
      TailPrefetch.opened(url, listed.etag());
    }
    return new FSDataInputStream(new S3ObjectInputStream(s3, url, status.getLen(),
        listed != null ? listed.etag() : null, statistics));
  }

  @Override
  public FileStatus getFileStatus(Path path) throws IOException {
    Path p = makeQualified(path);
    String url = urlOf(p);
    ListedObjects.Listed listed = ListedObjects.lookup(url);
    if (listed != null) {
      return file(p, listed.size(), listed.modificationTime());
    }
    if (p.isRoot()) {
      return directory(p);
    }
    try {
      S3Object info = s3.info(url, GetOption.RETURN_MISSING);
      if (info.exists()) {
        return file(p, info.size(), info.lastModified().map(t -> t.toEpochMilli()).orElse(0L));
      }
      if (s3.hasObjectsBelow(url)) {
        return directory(p);
      }
    } catch (MetaflowS3Exception e) {
      throw IoErrors.of(e, url);
    }
    throw new FileNotFoundException("no object or prefix " + url);
  }

  @Override
  public FileStatus[] listStatus(Path path) throws IOException {
    Path p = makeQualified(path);
    FileStatus self = getFileStatus(p);
    if (self.isFile()) {
      return new FileStatus[] {self};
    }
    String url = urlOf(p);
    List<FileStatus> entries = new ArrayList<>();
    try {
      for (S3Object o : s3.listPaths(List.of(url))) {
        Path child = pathOf(o.url());
        if (child.equals(p)) {
          continue; // an object named like the folder itself (a key ending in '/' with data): the folder, here
        }
        if (o.exists()) {
          entries.add(file(child, o.size(), o.lastModified().map(t -> t.toEpochMilli()).orElse(0L)));
        } else {
          entries.add(directory(child));
        }
      }
    } catch (MetaflowS3Exception e) {
      throw IoErrors.of(e, url);
    }
    return entries.toArray(FileStatus[]::new);
  }

  /**
   * A new object, spooled to a local file and stored when the stream closes; without {@code overwrite} the
   * store is conditional ({@code If-None-Match: *}), so of two racing writers exactly one succeeds.
   */
  @Override
  public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    Path p = makeQualified(path);
    String url = urlOf(p);
    if (!overwrite && exists(p)) {
      throw new FileAlreadyExistsException(url + " exists");
    }
    ListedObjects.forget(url);
    return new FSDataOutputStream(new SpooledObjectOutputStream(s3, url, overwrite), statistics);
  }

  /** Stores one spooled file: the upload behind {@link #create}'s stream. */
  static void store(S3 s3, String url, java.nio.file.Path file, boolean overwrite) throws IOException {
    try {
      PutOption[] options = overwrite ? new PutOption[0] : new PutOption[] {PutOption.NO_OVERWRITE};
      if (s3.putFiles(List.of(S3PutObject.ofFile(url, file)), options).isEmpty()) {
        throw new FileAlreadyExistsException(url + " was created by another writer meanwhile");
      }
    } catch (MetaflowS3Exception e) {
      throw IoErrors.of(e, url);
    }
  }

  @Override
  public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) throws IOException {
    throw new UnsupportedOperationException("S3 objects cannot be appended to: " + path);
  }

  @Override
  public boolean rename(Path from, Path to) throws IOException {
    throw new UnsupportedOperationException("S3 has no rename (a copy and a delete would not be atomic): "
        + from + " -> " + to);
  }

  @Override
  public boolean delete(Path path, boolean recursive) throws IOException {
    Path p = makeQualified(path);
    String url = urlOf(p);
    FileStatus status;
    try {
      status = getFileStatus(p);
    } catch (FileNotFoundException e) {
      return false;
    }
    ListedObjects.forget(url);
    try {
      if (status.isFile()) {
        s3.delete(url);
        return true;
      }
      List<String> below = s3.listRecursive(List.of(url.endsWith("/") ? url : url + "/")).stream().map(S3Object::url).toList();
      if (!below.isEmpty() && !recursive) {
        throw new PathIsNotEmptyDirectoryException(url);
      }
      below.forEach(ListedObjects::forget);
      s3.deleteMany(below);
      return true;
    } catch (MetaflowS3Exception e) {
      throw IoErrors.of(e, url);
    }
  }

  /** S3 has no folders: a prefix exists once an object is below it, so there is nothing to make. */
  @Override
  public boolean mkdirs(Path path, FsPermission permission) {
    return true;
  }

  @Override
  public void setWorkingDirectory(Path dir) {
    workingDirectory = makeQualified(dir);
  }

  @Override
  public Path getWorkingDirectory() {
    return workingDirectory;
  }

  @Override
  public long getDefaultBlockSize(Path path) {
    return BLOCK_SIZE;
  }

  private FileStatus file(Path p, long size, long modified) {
    return new FileStatus(size, false, 1, BLOCK_SIZE, modified, p);
  }

  private static FileStatus directory(Path p) {
    return new FileStatus(0, true, 1, 0, 0, p);
  }
}
