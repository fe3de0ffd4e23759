package io.metaflows3.hadoop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.core.LocalS3;
import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.SharedClients;
import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileRange;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.fs.StreamCapabilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The file system against the embedded server, through Hadoop's own API (as Spark and Parquet call it). */
@ExtendWith(LocalS3Extension.class)
class MetaflowS3FileSystemTest {
  private final LocalS3Server server;
  private final S3Settings settings;
  private final Configuration conf = new Configuration(false);

  MetaflowS3FileSystemTest(LocalS3Server server) {
    this.server = server;
    this.settings = LocalS3.settings(server).build();
    FileSystemSettings.apply(conf, settings);
  }

  private Path path(String key) {
    return MetaflowS3FileSystem.pathOf("s3://" + server.bucket() + "/fs/" + key);
  }

  private byte[] write(Path p, int size) throws IOException {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    try (FSDataOutputStream out = p.getFileSystem(conf).create(p, false)) {
      out.write(data);
    }
    return data;
  }

  @Test
  void writesAndReadsBackWithSeeksAndPositionalReads() throws IOException {
    Path p = path("odd keys/a b%20c=d.bin");
    byte[] data = write(p, 3_000_000);
    FileSystem fs = p.getFileSystem(conf);
    assertTrue(fs instanceof MetaflowS3FileSystem);
    assertEquals(3_000_000, fs.getFileStatus(p).getLen());
    try (S3 s3 = S3.builder().settings(settings).build()) {
      assertEquals(3_000_000, s3.info("s3://" + server.bucket() + "/fs/odd keys/a b%20c=d.bin").size(),
          "the key is the path's decoded text");
    }
    try (FSDataInputStream in = fs.open(p)) {
      byte[] head = new byte[10];
      in.readFully(head);
      assertArrayEquals(Arrays.copyOfRange(data, 0, 10), head);
      in.seek(2_999_990);
      byte[] tail = new byte[10];
      in.readFully(tail);
      assertArrayEquals(Arrays.copyOfRange(data, 2_999_990, 3_000_000), tail);
      assertEquals(-1, in.read());
      byte[] big = new byte[2_000_000];
      in.readFully(500_000, big);
      assertArrayEquals(Arrays.copyOfRange(data, 500_000, 2_500_000), big);
      assertEquals(3_000_000, in.getPos(), "a positional read leaves the position alone");
      assertThrows(EOFException.class, () -> in.seek(3_000_001));
      assertThrows(EOFException.class, () -> in.readFully(2_999_999, new byte[2]));
    }
  }

  @Test
  void vectoredReadsReturnEachRangeAndMoveOnlyWhatWasAsked() throws Exception {
    Path p = path("vectored.bin");
    byte[] data = write(p, 8_000_000);
    FileSystem fs = p.getFileSystem(conf);
    List<FileRange> ranges = List.of(FileRange.createFileRange(7_000_000, 900_000),
        FileRange.createFileRange(100, 1000), FileRange.createFileRange(1200, 50),
        FileRange.createFileRange(3_000_000, 1_000_000));
    S3 s3 = SharedClients.get(FileSystemSettings.of(conf));
    long getsBefore = s3.stats().getRequests();
    FileSystem.Statistics stats = FileSystem.getStatistics(MetaflowS3FileSystem.SCHEME, MetaflowS3FileSystem.class);
    long bytesBefore = stats.getBytesRead();
    try (FSDataInputStream in = fs.open(p)) {
      assertTrue(in.hasCapability(StreamCapabilities.VECTOREDIO));
      in.readVectored(ranges, ByteBuffer::allocate);
      for (FileRange r : ranges) {
        ByteBuffer got = r.getData().get();
        byte[] bytes = new byte[got.remaining()];
        got.get(bytes);
        assertArrayEquals(Arrays.copyOfRange(data, (int) r.getOffset(), (int) r.getOffset() + r.getLength()), bytes,
            r.toString());
      }
    }
    long moved = stats.getBytesRead() - bytesBefore;
    assertEquals(900_000 + 1_150 + 1_000_000, moved, "the two close ranges are fetched as one, gap included");
    assertEquals(3, s3.stats().getRequests() - getsBefore, "three merged ranges, three GETs");
  }

  @Test
  void statusListingAndDirectoriesAsPrefixes() throws IOException {
    write(path("tree/a/1.bin"), 10);
    write(path("tree/a/2.bin"), 20);
    write(path("tree/b.bin"), 30);
    FileSystem fs = path("tree").getFileSystem(conf);
    assertTrue(fs.getFileStatus(path("tree")).isDirectory());
    assertTrue(fs.getFileStatus(path("tree/a")).isDirectory());
    assertEquals(30, fs.getFileStatus(path("tree/b.bin")).getLen());
    assertThrows(FileNotFoundException.class, () -> fs.getFileStatus(path("tree/nothing")));
    assertThrows(FileNotFoundException.class, () -> fs.open(path("tree/a")));
    FileStatus[] level = fs.listStatus(path("tree"));
    assertEquals(List.of(path("tree/a"), path("tree/b.bin")),
        Arrays.stream(level).map(FileStatus::getPath).toList());
    assertTrue(level[0].isDirectory());
    assertEquals(30, level[1].getLen());
    assertThrows(FileAlreadyExistsException.class, () -> fs.create(path("tree/b.bin"), false));
    assertThrows(PathIsNotEmptyDirectoryException.class, () -> fs.delete(path("tree/a"), false));
    assertTrue(fs.delete(path("tree"), true));
    assertFalse(fs.exists(path("tree/a/1.bin")));
    assertFalse(fs.delete(path("tree"), true), "nothing left to delete");
    assertThrows(UnsupportedOperationException.class, () -> fs.rename(path("x"), path("y")));
  }

  @Test
  void aListedVersionIsReadWithoutAHeadAndAReplacedOneFails() throws IOException {
    Path p = path("pinned.bin");
    byte[] listed = write(p, 1000);
    FileSystem fs = p.getFileSystem(conf);
    String url = MetaflowS3FileSystem.urlOf(fs.makeQualified(p));
    S3 s3 = SharedClients.get(FileSystemSettings.of(conf));
    String etag = s3.info(url).etag().orElseThrow();
    ListedObjects.remember(url, new ListedObjects.Listed(1000, etag, 0));
    long headsBefore = s3.stats().getRequests();
    try (FSDataInputStream in = fs.open(p)) {
      in.readFully(new byte[1000]);
    }
    assertEquals(1, s3.stats().getRequests() - headsBefore, "one GET, no HEAD");
    s3.put(url, new byte[1000]);
    try (FSDataInputStream in = fs.open(p)) {
      byte[] again = new byte[1000];
      in.readFully(again);
      assertArrayEquals(listed, again, "the listed version, as read before (from the range cache)");
    }
    Path other = path("pinned-unread.bin");
    write(other, 1000);
    String otherUrl = MetaflowS3FileSystem.urlOf(fs.makeQualified(other));
    String otherEtag = s3.info(otherUrl).etag().orElseThrow();
    s3.put(otherUrl, new byte[1000]);
    ListedObjects.remember(otherUrl, new ListedObjects.Listed(1000, otherEtag, 0));
    try (FSDataInputStream in = fs.open(other)) {
      IOException e = assertThrows(IOException.class, () -> in.readFully(new byte[1000]),
          "a listed version replaced before it was read is not read as the new one");
      assertFalse(e.getMessage().contains(LocalS3Server.SECRET_ACCESS_KEY));
    }
  }

  @Test
  void aSmallObjectIsReadWholeByItsFooterReadAndAPrefetchedTailCostsNoGet() throws Exception {
    Path p = path("small.bin");
    byte[] data = write(p, 300_000);
    FileSystem fs = p.getFileSystem(conf);
    S3 s3 = SharedClients.get(FileSystemSettings.of(conf));
    long before = s3.stats().getRequests();
    try (FSDataInputStream in = fs.open(p)) {
      in.readFully(299_992, new byte[8]);
      List<FileRange> ranges = List.of(FileRange.createFileRange(10, 100), FileRange.createFileRange(200_000, 5000));
      in.readVectored(ranges, ByteBuffer::allocate);
      ByteBuffer got = ranges.get(1).getData().get();
      assertEquals(data[200_000], got.get(0));
    }
    assertEquals(1, s3.stats().getRequests() - before, "one GET of the whole object serves footer and chunks");
    String url = MetaflowS3FileSystem.urlOf(fs.makeQualified(p));
    String etag = s3.info(url).etag().orElseThrow();
    ListedObjects.remember(url, new ListedObjects.Listed(300_000, etag, 0));
    try (TailPrefetch prefetch = TailPrefetch.start(s3, List.of(new TailPrefetch.Target(url, 300_000, etag)))) {
      before = s3.stats().getRequests();
      try (FSDataInputStream in = fs.open(p)) {
        byte[] all = new byte[300_000];
        in.readFully(299_992, all, 0, 8);
        in.readFully(0, all);
        assertArrayEquals(data, all);
      }
      assertEquals(0, s3.stats().getRequests() - before, "the task's prefetch served the open");
    }
  }
}
