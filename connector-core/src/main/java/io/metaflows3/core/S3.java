package io.metaflows3.core;

import io.metaflows3.core.api.ByteRange;
import io.metaflows3.core.api.GetOption;
import io.metaflows3.core.api.ObjectBytes;
import io.metaflows3.core.api.ObjectRange;
import io.metaflows3.core.api.PutOption;
import io.metaflows3.core.api.S3GetObject;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3PutObject;
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.api.StoredObject;
import io.metaflows3.core.api.TransferStats;
import io.metaflows3.core.api.UserAttributes;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.metaflow.IncludedFile;
import io.metaflows3.core.metaflow.Lineage;
import io.metaflows3.core.metaflow.MetaflowConfig;
import io.metaflows3.core.metaflow.MetaflowS3AccessDenied;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import io.metaflows3.core.metaflow.MetaflowS3InsufficientDiskSpace;
import io.metaflows3.core.metaflow.MetaflowS3NotFound;
import io.metaflows3.core.metaflow.MetaflowS3URLException;
import io.metaflows3.core.metaflow.TaskContext;
import io.metaflows3.core.transfer.Downloader;
import io.metaflows3.core.transfer.Errors;
import io.metaflows3.core.transfer.Lister;
import io.metaflows3.core.transfer.MemoryReader;
import io.metaflows3.core.transfer.ObjectHeaders;
import io.metaflows3.core.transfer.TempDir;
import io.metaflows3.core.transfer.TransferEngine;
import io.metaflows3.core.transfer.Uploader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * metaflow.S3 for Java: load and store S3 objects at high throughput, under locations that name the run that
 * made them. Open it in try-with-resources: downloaded objects are temp files that live until {@link #close()}.
 *
 * <pre>{@code
 * try (S3 s3 = S3.builder().run(FlowRun.of("S3DemoFlow", "3")).build()) {
 *   String url = s3.put("message", "hello");        // s3://<s3root>/S3DemoFlow/3/message
 *   System.out.println(s3.get("message").text());
 * }
 * }</pre>
 *
 * <p>Contexts: {@code run(..)} resolves keys under {@code <s3root>/<Flow>/<runId>/}; {@code s3root(..)} or
 * {@code bucket(..).prefix(..)} under that root; with no context every call takes full {@code s3://} URLs.
 * Results come back in request order; listings in key order.
 */
public final class S3 implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(S3.class);

  private final S3Url root;
  private final S3Url datatoolsRoot;
  private final FlowRun run;
  private final TaskContext task;
  private final TransferEngine engine;
  private final TempDir temp;
  private final Downloader downloader;
  private final MemoryReader memory;
  private final Uploader uploader;
  private final Lister lister;
  private volatile boolean closed;

  private S3(Builder b, S3Url root, S3Url datatoolsRoot) {
    this.root = root;
    this.datatoolsRoot = datatoolsRoot;
    this.run = b.run;
    this.task = b.task;
    this.temp = new TempDir(b.settings.tmpRoot());
    this.engine = new TransferEngine(b.settings);
    this.downloader = new Downloader(engine, temp);
    this.memory = new MemoryReader(engine);
    this.uploader = new Uploader(engine);
    this.lister = new Lister(engine);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The datatools root runs are stored under ({@code METAFLOW_DATATOOLS_S3ROOT} or the builder's {@code s3root}),
   * if any; {@link io.metaflows3.core.table.Runs} finds a flow's runs there.
   */
  public Optional<String> datatoolsRoot() {
    return Optional.ofNullable(datatoolsRoot).map(S3Url::toString);
  }

  /** The root keys are resolved under, e.g. {@code s3://bucket/data/S3DemoFlow/3/}; empty without a context. */
  public Optional<String> root() {
    return Optional.ofNullable(root).map(S3Url::toString);
  }

  public S3Settings settings() {
    return engine.settings();
  }

  /** Requests, retries and bytes of this client so far. */
  public TransferStats stats() {
    return engine.stats();
  }

  /** The folder holding this client's downloaded files; deleted by {@link #close()}. */
  public Path tempDir() {
    return temp.dir();
  }

  // ---- get ----

  public S3Object get(String key, GetOption... options) {
    return get(S3GetObject.of(key), options);
  }

  /**
   * The object the root itself names (metaflow's {@code S3(s3root='s3://bucket/file').get()}); its key is its
   * URL, as in metaflow.
   */
  public S3Object get(GetOption... options) {
    S3Url url = rootObject("get");
    checkOpen();
    return await("get", List.of(download(url, null, null, -1, null, has(options, GetOption.RETURN_MISSING))))
        .get(0);
  }

  public S3Object get(S3GetObject request, GetOption... options) {
    return getManyObjects(List.of(request), options).get(0);
  }

  /** Downloads the given keys (or URLs, without a context) in parallel; results in the same order. */
  public List<S3Object> getMany(List<String> keys, GetOption... options) {
    return getManyObjects(keys.stream().map(S3GetObject::of).toList(), options);
  }

  /** Downloads objects or byte ranges of them in parallel; results in request order. */
  public List<S3Object> getManyObjects(List<S3GetObject> requests, GetOption... options) {
    boolean returnMissing = has(options, GetOption.RETURN_MISSING);
    List<S3Url> urls = requests.stream().map(r -> resolve(r.key())).toList();
    String prefix = resultsPrefix();
    List<CompletableFuture<S3Object>> results = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      S3Url url = urls.get(i);
      results.add(download(url, prefix, requests.get(i).range(), -1, null, returnMissing));
    }
    return await("get", results);
  }

  /**
   * Downloads objects (or ranges) and hands each to {@code action} in request order, as soon as it and those
   * before it are there, with at most {@code 2 x maxInFlight} downloaded ahead; each object's temp file is
   * deleted when {@code action} returns. So any number of objects goes through a bounded temp folder, where
   * {@link #getManyObjects} keeps every file until the client closes. An exception (of a download or of
   * {@code action}) stops the rest: downloads under way are awaited and their files deleted, then it is thrown.
   */
  public void forEachObject(List<S3GetObject> requests, Consumer<S3Object> action, GetOption... options) {
    boolean returnMissing = has(options, GetOption.RETURN_MISSING);
    List<S3Url> urls = requests.stream().map(r -> resolve(r.key())).toList();
    String prefix = resultsPrefix();
    forEachDownloaded(requests.size(), n -> download(urls.get(n), prefix, requests.get(n).range(), -1, null,
        returnMissing), action);
  }

  /** {@link #forEachObject} for everything below prefixes, in {@link #getRecursive}'s order and naming. */
  public void forEachRecursive(List<String> prefixes, Consumer<S3Object> action) {
    List<S3Object> listed = listRecursive(prefixes).stream().filter(o -> !isFolderMarker(o)).toList();
    forEachDownloaded(listed.size(), n -> download(listed.get(n).s3Url(), listed.get(n).prefix(), null,
        listed.get(n).size(), listed.get(n).etag().orElse(null), false), action);
  }

  /** Starts downloads {@code 0..count-1} through a window, hands them to {@code action} in order, frees each. */
  private void forEachDownloaded(int count, IntFunction<CompletableFuture<S3Object>> start,
      Consumer<S3Object> action) {
    checkOpen();
    int window = 2 * settings().maxInFlight();
    ArrayDeque<CompletableFuture<S3Object>> ahead = new ArrayDeque<>();
    int next = 0;
    try {
      while (next < count && ahead.size() < window) {
        ahead.add(start.apply(next++));
      }
      while (!ahead.isEmpty()) {
        S3Object object;
        try {
          object = ahead.poll().join();
        } catch (RuntimeException e) {
          throw Errors.toTyped(e, null);
        }
        if (next < count) {
          ahead.add(start.apply(next++));
        }
        try {
          action.accept(object);
        } finally {
          release(object);
        }
      }
    } finally {
      for (CompletableFuture<S3Object> f : ahead) {
        f.handle((object, error) -> object).join();
        if (f.isDone() && !f.isCompletedExceptionally()) {
          release(f.join());
        }
      }
    }
  }

  /**
   * Downloads every object below each prefix: prefixes in the order given, objects in key order, keys relative
   * to the prefix they were found under. Folder markers (zero-byte keys ending in '/', which the S3 console and
   * Hadoop leave) are folders, not data: listed, never downloaded. A key ending in '/' that holds data is an
   * object like any other, as metaflow gets it.
   */
  public List<S3Object> getRecursive(List<String> prefixes, GetOption... options) {
    List<S3Object> listed = listRecursive(prefixes);
    checkDiskSpace(listed.stream().mapToLong(S3Object::size).sum(), prefixes.isEmpty() ? null : prefixes.get(0));
    List<CompletableFuture<S3Object>> results = new ArrayList<>();
    for (S3Object o : listed) {
      if (!isFolderMarker(o)) {
        results.add(download(o.s3Url(), o.prefix(), null, o.size(), o.etag().orElse(null), false));
      }
    }
    return await("getRecursive", results);
  }

  private static boolean isFolderMarker(S3Object listed) {
    return listed.url().endsWith("/") && listed.size() == 0;
  }

  /**
   * Fails before the first byte when the listing's sizes add up to more than the temp folder's file system has
   * free, rather than filling it and failing midway (metaflow's MetaflowS3InsufficientDiskSpace).
   */
  private void checkDiskSpace(long bytes, String where) {
    long free;
    try {
      free = Files.getFileStore(temp.dir()).getUsableSpace();
    } catch (IOException e) {
      return; // the file system will tell when it is full
    }
    if (bytes > free) {
      throw new MetaflowS3InsufficientDiskSpace("cannot download " + bytes + " bytes into " + temp.dir() + ": its "
          + "file system has " + free + " bytes free (set tmpRoot or METAFLOW_TEMPDIR elsewhere, or read with "
          + "forEachRecursive, which holds one object at a time)", where, null);
    }
  }

  /** Downloads everything below the root. */
  public List<S3Object> getAll() {
    return getRecursive(List.of(requireRoot("getAll").toString()));
  }

  private CompletableFuture<S3Object> download(S3Url url, String prefix, ByteRange range, long knownSize,
      String etag, boolean returnMissing) {
    checkOpen();
    return downloader.download(url, range, knownSize, etag).handle((d, error) -> {
      if (error != null) {
        if (returnMissing && Errors.isNotFound(error)) {
          return S3Object.builder(url, prefix).missing().build();
        }
        throw Errors.toTyped(error, url.toString());
      }
      GetObjectResponse r = d.info();
      return S3Object.builder(url, prefix)
          .path(d.path())
          .size(d.range().length())
          .range(d.range())
          .etag(r.eTag())
          .info(r.contentType(), r.metadata(), r.lastModified(), r.serverSideEncryptionAsString())
          .build();
    });
  }

  // ---- info ----

  public S3Object info(String key, GetOption... options) {
    return infoMany(List.of(key), options).get(0);
  }

  /** The metadata of the object the root itself names; see {@link #get(GetOption...)}. */
  public S3Object info(GetOption... options) {
    S3Url url = rootObject("info");
    checkOpen();
    return await("info", List.of(head(url, null, has(options, GetOption.RETURN_MISSING)))).get(0);
  }

  /** Metadata of each object without downloading it ({@code downloaded() == false}). */
  public List<S3Object> infoMany(List<String> keys, GetOption... options) {
    boolean returnMissing = has(options, GetOption.RETURN_MISSING);
    String prefix = resultsPrefix();
    List<CompletableFuture<S3Object>> results = new ArrayList<>();
    for (String key : keys) {
      S3Url url = resolve(key);
      checkOpen();
      results.add(head(url, prefix, returnMissing));
    }
    return await("info", results);
  }

  private CompletableFuture<S3Object> head(S3Url url, String prefix, boolean returnMissing) {
    return engine.head(url).handle((r, error) -> {
      if (error != null) {
        if (returnMissing && Errors.isNotFound(error)) {
          return S3Object.builder(url, prefix).missing().build();
        }
        throw Errors.toTyped(error, url.toString());
      }
      return S3Object.builder(url, prefix).size(r.contentLength()).etag(r.eTag())
          .info(r.contentType(), r.metadata(), r.lastModified(), r.serverSideEncryptionAsString()).build();
    });
  }

  /** The root read as an object's URL (no trailing '/'), for get() and info() of the root itself. */
  private S3Url rootObject(String call) {
    S3Url r = requireRoot(call);
    if (r.key().isEmpty()) {
      throw new MetaflowS3URLException(call + "() of the root: the root is a bucket, not an object", r.toString());
    }
    return new S3Url(r.bucket(), r.key().substring(0, r.key().length() - 1));
  }

  // ---- list ----

  /** The next level below the root: objects ({@code exists()}) and prefixes ({@code !exists()}). */
  public List<S3Object> listPaths() {
    return listPaths(List.of(requireRoot("listPaths").toString()));
  }

  /**
   * The next level below each prefix, listed in parallel: prefixes in the order given, entries in key order.
   * Keys are relative to the prefix listed ({@code listPaths(List.of("first"))} gives {@code a}, {@code b}).
   */
  public List<S3Object> listPaths(List<String> prefixes) {
    return list(prefixes, true, lister::level);
  }

  /**
   * The next level below each key prefix taken as it is, not as a folder, listed in parallel: {@code t/_} gives
   * the entries of folder {@code t/} whose names start with '_' (objects, and prefixes ending in '/'), so one
   * request finds every hidden folder of a location however many objects it holds. In the order given, then key
   * order; results are named by URL.
   */
  public List<S3Object> listStartingWith(List<String> keyPrefixes) {
    List<CompletableFuture<List<S3Object>>> results = new ArrayList<>();
    for (String p : keyPrefixes) {
      S3Url start = resolveLocation(p);
      S3Url folder = new S3Url(start.bucket(), start.key().substring(0, start.key().lastIndexOf('/') + 1));
      checkOpen();
      results.add(lister.level(start).handle((entries, error) -> {
        if (error != null) {
          throw Errors.toTyped(error, start.toString());
        }
        return entries.stream().map(e -> listedObject(e, folder.toString())).toList();
      }));
    }
    return await("list", results).stream().flatMap(List::stream).toList();
  }

  /**
   * Whether anything lies below {@code prefix} (a full URL, taken as a folder): one LIST request, however large
   * the folder, for callers that ask "is this a directory?" (Hadoop's file status).
   */
  public boolean hasObjectsBelow(String prefix) {
    checkOpen();
    S3Url folder = S3Url.parse(prefix).asPrefix();
    ListObjectsV2Response page = join(engine.listPage(folder, "/", null), folder);
    return !page.contents().isEmpty() || !page.commonPrefixes().isEmpty();
  }

  /**
   * The objects and folders in the folder of {@code key} (a key under the root, or a URL) whose keys are at or
   * after it, in key order, one level: for logs of numbered files read from a known number on (a table's
   * {@code _delta_log/}), listed from there rather than from the folder's first key.
   */
  public List<S3Object> listFrom(String key) {
    S3Url from = resolveLocation(key);
    S3Url folder = new S3Url(from.bucket(), from.key().substring(0, from.key().lastIndexOf('/') + 1));
    if (from.key().endsWith("/") || from.key().isEmpty()) {
      throw new MetaflowS3URLException("listFrom needs a key inside a folder, not a folder", from.toString());
    }
    return list(List.of(folder.toString()), true, prefix -> lister.levelFrom(prefix, from.key()));
  }

  /** Every object below the root, in key order. */
  public List<S3Object> listRecursive() {
    return listRecursive(List.of(requireRoot("listRecursive").toString()));
  }

  /**
   * Every object below each prefix, listed in parallel: prefixes in the order given, objects in key order, keys
   * relative to the prefix listed.
   */
  public List<S3Object> listRecursive(List<String> prefixes) {
    return list(prefixes, false, lister::recursive);
  }

  /**
   * Every object below {@code prefix}, in key order, for planners of table reads: a large tree is walked, and
   * partition folders ({@code column=value/}) that {@code descend} refuses, given their path relative to the
   * prefix, are never listed (a small tree is one flat listing, returned whole).
   */
  public List<S3Object> listRecursive(String prefix, Predicate<String> descend) {
    return list(List.of(prefix), false, url -> lister.recursive(url, descend));
  }

  /**
   * Lists each prefix as a folder. Results name the prefix as metaflow does: a one-level listing the folder
   * ({@code .../first/}), a recursive one the location as given ({@code .../first}; the root without its '/').
   */
  private List<S3Object> list(List<String> prefixes, boolean namedAsFolder,
      Function<S3Url, CompletableFuture<List<Lister.Listed>>> how) {
    List<CompletableFuture<List<S3Object>>> results = new ArrayList<>();
    for (String p : prefixes) {
      S3Url location = resolveLocation(p);
      S3Url prefix = location.asPrefix();
      String named = namedAsFolder ? prefix.toString() : location == root ? resultsPrefix() : location.toString();
      checkOpen();
      results.add(how.apply(prefix).handle((entries, error) -> {
        if (error != null) {
          throw Errors.toTyped(error, prefix.toString());
        }
        return entries.stream().map(e -> listedObject(e, named)).toList();
      }));
    }
    return await("list", results).stream().flatMap(List::stream).toList();
  }

  private S3Object listedObject(Lister.Listed e, String prefix) {
    S3Object.Builder b = S3Object.builder(e.url(), prefix);
    return e.isPrefix() ? b.missing().build() : b.size(e.size()).etag(e.etag()).lastModified(e.lastModified()).build();
  }

  // ---- put ----

  /** Stores a string (as UTF-8 text) and returns its URL. */
  public String put(String key, String value, PutOption... options) {
    return put(S3PutObject.of(key, value), options);
  }

  public String put(String key, byte[] value, PutOption... options) {
    return put(S3PutObject.of(key, value), options);
  }

  /**
   * Stores what {@code value} yields until its end (its length need not be known: it is spooled to a temp file
   * first, then uploaded like a file, in parts when large) and returns the URL. The stream is not closed.
   */
  public String put(String key, InputStream value, PutOption... options) {
    checkOpen();
    Path spool = temp.newFile();
    try {
      Files.copy(value, spool);
      return put(S3PutObject.ofFile(key, spool), options);
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read the stream to store (" + e.getClass().getSimpleName() + ")",
          resolve(key).toString(), e);
    } finally {
      TempDir.deleteQuietly(spool);
    }
  }

  /**
   * Stores one object and returns its URL. With {@link PutOption#NO_OVERWRITE} an existing object is kept
   * and the URL is returned all the same (as metaflow does); {@link #putMany} tells which were stored.
   */
  public String put(S3PutObject object, PutOption... options) {
    String url = resolve(object.key()).toString();
    putMany(List.of(object), options);
    return url;
  }

  /**
   * Stores objects (bytes or local files) in parallel. Returns the objects stored, in request order; with
   * {@link PutOption#NO_OVERWRITE} the ones whose key already existed are left out.
   */
  public List<StoredObject> putMany(List<S3PutObject> objects, PutOption... options) {
    List<CompletableFuture<StoredObject>> results = new ArrayList<>();
    for (S3PutObject o : objects) {
      results.add(putAsync(o, options));
    }
    return await("put", results).stream().filter(s -> s != null).toList();
  }

  /**
   * Stores one object without waiting: the stored object, or null when {@link PutOption#NO_OVERWRITE} found the
   * key taken; fails with a typed exception (wait with {@link #await}). For writers that keep many puts in flight.
   */
  public CompletableFuture<StoredObject> putAsync(S3PutObject object, PutOption... options) {
    S3Url url = resolve(object.key());
    checkOpen();
    return uploader.upload(url, object, headers(object), has(options, PutOption.NO_OVERWRITE))
        .thenApply(etag -> etag != null ? new StoredObject(object.key(), url.toString()) : null);
  }

  /** Uploads local files, streamed (large ones in parallel parts); keys in the map's order. */
  public List<StoredObject> putFiles(Map<String, Path> files, PutOption... options) {
    List<S3PutObject> objects = new ArrayList<>();
    files.forEach((key, path) -> objects.add(S3PutObject.ofFile(key, path)));
    return putFiles(objects, options);
  }

  /**
   * Uploads local files with their content types, metadata and encryption ({@link S3PutObject#ofFile}), like
   * metaflow's {@code put_files} given {@code S3PutObject}s; in request order.
   *
   * @throws MetaflowS3NotFound before any upload, when a file is missing or unreadable
   */
  public List<StoredObject> putFiles(List<S3PutObject> files, PutOption... options) {
    for (S3PutObject f : files) {
      if (f.path() == null) {
        throw new IllegalArgumentException("putFiles takes files (S3PutObject.ofFile), got a value for " + f.key());
      }
      if (!Files.isRegularFile(f.path()) || !Files.isReadable(f.path())) {
        throw new MetaflowS3NotFound("local file not found or not readable: " + f.path(), null, null);
      }
    }
    return putMany(files, options);
  }

  /** metaflow's IncludeFile with its defaults: the file is text in UTF-8. See the other overload. */
  public IncludedFile includeFile(Path file) {
    return includeFile(file, true, "utf-8");
  }

  /**
   * metaflow's IncludeFile: stores a local file as metaflow does, gzip-compressed at
   * {@code <datatools root>/<Flow>/<sha1 of the content>} (never overwritten: the same content is stored once),
   * and returns its descriptor. A Python flow loads what this stored, and {@link #loadIncludedFile} what a Python
   * flow stored.
   *
   * @throws MetaflowS3NotFound when {@code file} is not a readable file
   */
  public IncludedFile includeFile(Path file, boolean isText, String encoding) {
    if (run == null) {
      throw new MetaflowS3Exception("includeFile needs a run context (S3.builder().run(..))", null);
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new MetaflowS3NotFound("cannot include " + file + ": not a readable file", null, null);
    }
    checkOpen();
    Path gzip = temp.newFile();
    try {
      String sha1 = IncludedFile.gzip(file, gzip);
      S3Url url = datatoolsRoot.resolve(run.flow() + "/" + sha1);
      S3PutObject gzipped = S3PutObject.ofFile(url.toString(), gzip);
      join(uploader.upload(url, gzipped, new ObjectHeaders(null, Map.of(), settings().serverSideEncryption()), true),
          url);
      return IncludedFile.uploaded(url.toString(), isText, encoding, Files.size(file));
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read " + file + " (" + e.getClass().getSimpleName() + ")", null, e);
    } finally {
      TempDir.deleteQuietly(gzip);
    }
  }

  /**
   * The content of an included file, whoever included it: uncompressed when IncludeFile stored it, as it is when
   * it is a file stored elsewhere; decode text with {@link IncludedFile#encoding()} when {@code isText()}.
   */
  public byte[] loadIncludedFile(IncludedFile included) {
    S3Url url = S3Url.parse(included.url());
    S3Object object = join(download(url, null, null, -1, null, false), url);
    try (InputStream in = Files.newInputStream(object.path().orElseThrow())) {
      return included.content(in);
    } catch (IOException e) {
      throw new MetaflowS3Exception("cannot read the included file (" + e.getClass().getSimpleName() + ")",
          url.toString(), e);
    } finally {
      release(object);
    }
  }

  // ---- delete ----

  /** Deletes one object; deleting a missing object is not an error (S3 semantics). */
  public void delete(String key) {
    deleteMany(List.of(key));
  }

  /**
   * Deletes objects, 1,000 a request (S3's DeleteObjects), the requests in parallel; waits for all, then throws
   * for the first key S3 could not delete, typed ({@link MetaflowS3AccessDenied} for a denied one) and naming
   * its URL. Missing objects are not an error.
   */
  public void deleteMany(List<String> keys) {
    Map<String, List<String>> byBucket = new LinkedHashMap<>();
    for (String key : keys) {
      S3Url url = resolve(key);
      byBucket.computeIfAbsent(url.bucket(), b -> new ArrayList<>()).add(url.key());
    }
    checkOpen();
    List<CompletableFuture<Void>> batches = new ArrayList<>();
    byBucket.forEach((bucket, all) -> {
      for (int from = 0; from < all.size(); from += 1000) {
        List<String> batch = all.subList(from, Math.min(all.size(), from + 1000));
        S3Url first = new S3Url(bucket, batch.get(0));
        batches.add(engine.deleteBatch(bucket, batch).handle((failed, error) -> {
          if (error != null) {
            throw Errors.toTyped(error, first.toString());
          }
          if (!failed.isEmpty()) {
            String url = new S3Url(bucket, failed.get(0).key()).toString();
            String message = "could not delete " + failed.size() + " of " + batch.size() + " objects ("
                + failed.get(0).code() + ")";
            throw "AccessDenied".equals(failed.get(0).code()) ? new MetaflowS3AccessDenied(message, url, null)
                : new MetaflowS3Exception(message, url);
          }
          return null;
        }));
      }
    });
    await("delete", batches);
  }

  /**
   * Deletes the temp file of a downloaded object now instead of at {@link #close()}: for long-lived clients
   * (engine workers) that read many objects one after another.
   */
  public void release(S3Object object) {
    object.path().filter(p -> p.startsWith(temp.dir())).ifPresent(TempDir::deleteQuietly);
  }

  // ---- lifecycle ----

  /** Deletes every temp file this client made and releases its connections. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      engine.close();
    } finally {
      temp.close();
    }
    LOG.debug("S3 client closed: {}", engine.stats());
  }

  @Override
  public String toString() {
    return "S3[root=" + root + ", " + engine.settings() + "]";
  }

  // ---- for engine readers ----

  /**
   * Reads a planned range (from {@link io.metaflows3.core.table.ReadPlanner}) into memory, in parallel parts,
   * with no temp file: for engine readers, which hold what they read anyway. Pinned to the ETag the listing
   * saw, so an object replaced since fails instead of mixing versions.
   */
  public ObjectBytes readRange(ObjectRange range) {
    return join(readRangeAsync(range), S3Url.parse(range.url()));
  }

  /** {@link #readRange} without waiting, for readers that keep several objects in flight. */
  public CompletableFuture<ObjectBytes> readRangeAsync(ObjectRange range) {
    checkOpen();
    S3Url url = S3Url.parse(range.url());
    return memory.read(url, prefixOf(url), range.start(), range.length(), range.etag());
  }

  /** Reads {@code length} bytes from {@code offset} of version {@code etag} (null: any) into memory. */
  public byte[] readBytes(S3Url url, long offset, long length, String etag) {
    return join(readBytesAsync(url, offset, length, etag), url);
  }

  /**
   * Reads {@code length} bytes from {@code offset} of {@code url} (a full URL), of version {@code etag} (null:
   * any), into memory as parallel GETs of one part each, without waiting: for readers that want many ranges in
   * flight (Hadoop's vectored reads). Fails with a typed exception.
   */
  public CompletableFuture<byte[]> readBytesAsync(String url, long offset, long length, String etag) {
    return readBytesAsync(S3Url.parse(url), offset, length, etag);
  }

  private CompletableFuture<byte[]> readBytesAsync(S3Url url, long offset, long length, String etag) {
    checkOpen();
    return memory.read(url, prefixOf(url), offset, length, etag).thenApply(ObjectBytes::bytes);
  }

  /**
   * Waits for one of this client's asynchronous calls ({@link #readRangeAsync}, {@link #readBytesAsync},
   * {@link #putAsync}) and returns its result, or throws its typed exception as the blocking call would.
   */
  public static <T> T await(CompletableFuture<T> read) {
    try {
      return read.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  static <T> T join(CompletableFuture<T> future, S3Url url) {
    try {
      return future.join();
    } catch (RuntimeException e) {
      throw Errors.toTyped(e, url.toString());
    }
  }

  // ---- helpers ----

  /** Resolves a key against the root, or parses a URL when there is no root. */
  S3Url resolve(String key) {
    if (root != null) {
      if (S3Url.isUrl(key)) {
        throw new MetaflowS3URLException("this client has root " + root + ": give keys relative to it, not URLs",
            key);
      }
      return root.resolve(withoutLeadingSlashes(key));
    }
    if (!S3Url.isUrl(key)) {
      throw new MetaflowS3URLException("no root is set (run, s3root or bucket): give a full s3:// URL", key);
    }
    S3Url url = S3Url.parse(key);
    if (url.key().isEmpty()) {
      throw new MetaflowS3URLException("URL names a bucket, not an object", key);
    }
    return url;
  }

  /** A prefix argument as a URL: the root for "" or "/" (or the root itself), else a key under it, or a URL. */
  private S3Url resolveLocation(String prefix) {
    return root != null && (withoutLeadingSlashes(prefix).isEmpty() || prefix.equals(root.toString())) ? root
        : root == null && S3Url.isUrl(prefix) ? S3Url.parse(prefix) : resolve(prefix);
  }

  /** A key under the root as metaflow takes it: leading slashes dropped ({@code /a} is {@code a}). */
  private static String withoutLeadingSlashes(String key) {
    if (key == null) {
      return null;
    }
    int start = 0;
    while (start < key.length() && key.charAt(start) == '/') {
      start++;
    }
    return key.substring(start);
  }

  /** The root when {@code url} lies below it (results are then named relative to it), else null. */
  private String prefixOf(S3Url url) {
    return root != null && url.isUnder(root) ? resultsPrefix() : null;
  }

  /** What gets and infos name as their results' prefix: the root as metaflow gives it, without a trailing '/'. */
  private String resultsPrefix() {
    return root == null ? null : root.toString().substring(0, root.toString().length() - 1);
  }

  private S3Url requireRoot(String call) {
    if (root == null) {
      throw new MetaflowS3URLException(call + "() needs a root (run, s3root or bucket); give prefixes instead",
          null);
    }
    return root;
  }

  /**
   * The S3 metadata headers of an object: user metadata as metaflow stores it (one JSON header), plus, under a
   * run, lineage headers naming flow, run, step and task (metaflow's client ignores them).
   */
  private ObjectHeaders headers(S3PutObject object) {
    return new ObjectHeaders(object.contentType(), lineage(object.metadata()),
        object.encryption() != null ? object.encryption() : settings().serverSideEncryption());
  }

  private Map<String, String> lineage(Map<String, ?> user) {
    Map<String, String> meta = new LinkedHashMap<>();
    if (!user.isEmpty()) {
      meta.put(UserAttributes.HEADER, UserAttributes.render(user));
    }
    meta.putAll(Lineage.headers(run, task));
    return meta;
  }

  private void checkOpen() {
    if (closed) {
      throw new MetaflowS3Exception("this S3 client is closed", null);
    }
  }

  /** Waits for every future (so nothing is still writing), then returns results or throws the first error. */
  private <T> List<T> await(String what, List<CompletableFuture<T>> futures) {
    long start = System.nanoTime();
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
    List<T> results = new ArrayList<>(futures.size());
    for (CompletableFuture<T> f : futures) {
      try {
        results.add(f.join());
      } catch (RuntimeException e) {
        throw Errors.toTyped(e, null);
      }
    }
    if (futures.size() > 1 && LOG.isDebugEnabled()) {
      LOG.debug("{}: {} requests done in {} ms", what, futures.size(), (System.nanoTime() - start) / 1_000_000);
    }
    return results;
  }

  private static <T> boolean has(T[] options, T option) {
    return Arrays.asList(options).contains(option);
  }

  /** Configures an {@link S3} client: its context (run, root) and its settings. */
  public static final class Builder {
    private S3Settings settings;
    private FlowRun run;
    private TaskContext task;
    private String s3root;
    private String bucket;
    private String prefix;
    private MetaflowConfig config;

    private Builder() {}

    public Builder settings(S3Settings value) {
      this.settings = value;
      return this;
    }

    /** Keys resolve under {@code <s3root>/<flow>/<runId>/}, and stored objects carry the run as metadata. */
    public Builder run(FlowRun value) {
      this.run = value;
      return this;
    }

    /** Like {@link #run}, and stored objects also name the step, task and attempt. */
    public Builder task(TaskContext value) {
      this.task = value;
      this.run = value == null ? null : value.run();
      return this;
    }

    /**
     * The root: keys resolve under it. With {@link #run} it is the datatools root and the run layout is
     * appended; without a run it defaults to nothing (full URLs only).
     */
    public Builder s3root(String url) {
      this.s3root = url;
      return this;
    }

    /** The root as a bucket and an optional prefix, like metaflow's {@code S3(bucket=.., prefix=..)}. */
    public Builder bucket(String value) {
      this.bucket = value;
      return this;
    }

    public Builder prefix(String value) {
      this.prefix = value;
      return this;
    }

    /** Only these environment variables for defaults, no config files (tests, explicit setups). */
    public Builder environment(Map<String, String> value) {
      this.config = MetaflowConfig.ofEnvironment(value);
      return this;
    }

    /** The metaflow configuration read for defaults; {@link MetaflowConfig#load()} unless set. */
    public Builder config(MetaflowConfig value) {
      this.config = value;
      return this;
    }

    private MetaflowConfig config() {
      if (config == null) {
        config = MetaflowConfig.load();
      }
      return config;
    }

    /** The root a client built now would resolve keys under, without building one; empty without a context. */
    public Optional<String> resolveRoot() {
      return Optional.ofNullable(roots()[0]).map(S3Url::toString);
    }

    /**
     * Where {@code location} points for a client built now: with a root (run or s3root), a path relative to it
     * ({@code ""} is the root itself); without one, a full {@code s3://} URL. For engines, which take locations
     * as options: a location that does not fit the context is an {@link IllegalArgumentException} there.
     */
    public String locate(String location) {
      S3Url root = roots()[0];
      if (S3Url.isUrl(location)) {
        if (root != null) {
          throw new IllegalArgumentException("a run or s3root is set: give paths relative to " + root + ", not "
              + location);
        }
        return S3Url.parse(location).toString();
      }
      if (root == null) {
        throw new IllegalArgumentException(location.startsWith("/") || location.contains(":")
            ? "'" + location + "' is not an s3:// URL: give s3://bucket/prefix, or a path relative to a run and "
                + "an s3root"
            : "'" + location + "' is relative: set a run and an s3root, or give a full s3:// URL");
      }
      return location.isEmpty() ? root.toString() : root.resolve(location).toString();
    }

    public S3 build() {
      S3Url[] roots = roots();
      if (settings == null) {
        settings = S3Settings.fromConfig(config());
      }
      return new S3(this, roots[0], roots[1]);
    }

    /** {root, datatools root}; either may be null. */
    private S3Url[] roots() {
      if (s3root != null && bucket != null) {
        throw new IllegalArgumentException("give either s3root or bucket/prefix, not both");
      }
      if (prefix != null && bucket == null) {
        throw new IllegalArgumentException("prefix needs a bucket");
      }
      S3Url explicit = s3root != null ? S3Url.parse(s3root).asPrefix()
          : bucket != null ? bucketRoot(bucket, prefix) : null;
      S3Url datatools = explicit != null ? explicit : defaultDatatoolsRoot(config());
      S3Url root;
      if (run != null) {
        if (datatools == null) {
          throw new MetaflowS3Exception("a run context needs an s3root: set METAFLOW_DATATOOLS_S3ROOT or "
              + "METAFLOW_DATASTORE_SYSROOT_S3, or call s3root(..)", null);
        }
        root = datatools.resolve(run.folder());
      } else {
        root = explicit;
      }
      return new S3Url[] {root, datatools};
    }

    private static S3Url bucketRoot(String bucket, String prefix) {
      S3Url top = new S3Url(bucket, "");
      return prefix == null || prefix.isEmpty() ? top : top.resolve(prefix).asPrefix();
    }

    /** metaflow's DATATOOLS_S3ROOT: set, or DATASTORE_SYSROOT_S3 plus DATATOOLS_SUFFIX ("data"), or none. */
    private static S3Url defaultDatatoolsRoot(MetaflowConfig config) {
      if (config.isSet("DATATOOLS_S3ROOT")) { // set empty, it means none, as in metaflow
        return config.get("DATATOOLS_S3ROOT").map(r -> S3Url.parse(r).asPrefix()).orElse(null);
      }
      return config.get("DATASTORE_SYSROOT_S3").map(sysroot -> S3Url.parse(sysroot).asPrefix()
          .resolve(config.get("DATATOOLS_SUFFIX").orElse("data") + "/")).orElse(null);
    }
  }
}
