package io.metaflows3.benchmarks;

import io.metaflows3.core.S3;
import io.metaflows3.core.S3Object;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** connector-core's getMany, putFiles, listRecursive and listPaths against the SDK, its transfer manager, the CLI. */
final class CoreSuite {
  private final S3 s3;
  private final Peers peers;
  private final BenchData data;
  private final int runs;
  private final Path into;
  private final List<Measurement> results;
  // Like the peers' clients, ours lives across runs; the files a run downloaded are released untimed.
  private final List<S3Object> downloaded = new ArrayList<>();
  private final Runnable release;

  CoreSuite(S3 s3, Peers peers, BenchData data, int runs, Path into, List<Measurement> results) {
    this.s3 = s3;
    this.peers = peers;
    this.data = data;
    this.runs = runs;
    this.into = into;
    this.results = results;
    this.release = () -> {
      downloaded.forEach(s3::release);
      downloaded.clear();
    };
  }

  void small() throws Exception {
    add("get small", "metaflow-s3 getMany", release, () -> get(BenchData.urls(data.smallKeys)));
    add("get small", "SDK sync loop", this::cleanDownloads, () -> peers.sdkLoopDownload(data.smallKeys, into));
    add("get small", "TransferManager (CRT) downloadDirectory", this::cleanDownloads,
        () -> peers.downloadDirectory(BenchData.SMALL, into, data.smallKeys.size(), data.smallBytes));
    if (Peers.awsCliAvailable()) {
      add("get small", "aws s3 cp --recursive", this::cleanDownloads,
          () -> peers.awsCli(BenchData.url(BenchData.SMALL), into, data.smallKeys.size(), data.smallBytes));
    }
    add("get small", "ceiling: raw GETs, 64 in flight", () -> { }, () -> peers.ceiling(data.smallKeys, null));

    add("put small", "metaflow-s3 putFiles", () -> { }, () -> put("bench/up-small/", data.smallFiles));
    add("put small", "SDK sync loop", () -> { }, () -> peers.sdkLoopUpload("bench/up-small-sdk/", data.smallFiles));
    add("put small", "TransferManager (CRT) uploadDirectory", () -> { },
        () -> peers.uploadDirectory(data.smallDir, "bench/up-small-tm/", data.smallFiles.size(), data.smallBytes));
  }

  void large() throws Exception {
    add("get large", "metaflow-s3 getMany", release, () -> get(BenchData.urls(data.largeKeys)));
    add("get large", "SDK sync loop", this::cleanDownloads, () -> peers.sdkLoopDownload(data.largeKeys, into));
    add("get large", "TransferManager (CRT) downloadFile", this::cleanDownloads,
        () -> peers.downloadFiles(data.largeKeys, into, data.largeBytes));
    if (Peers.awsCliAvailable()) {
      add("get large", "aws s3 cp --recursive", this::cleanDownloads,
          () -> peers.awsCli(BenchData.url(BenchData.LARGE), into, data.largeKeys.size(), data.largeBytes));
    }
    List<String> rangeKeys = new ArrayList<>();
    List<long[]> ranges = new ArrayList<>();
    long part = s3.settings().partSize();
    for (String k : data.largeKeys) {
      for (long at = 0; at < data.largeBytes / data.largeKeys.size(); at += part) {
        rangeKeys.add(k);
        ranges.add(new long[] {at, part});
      }
    }
    add("get large", "ceiling: raw ranged GETs, 64 in flight", () -> { }, () -> peers.ceiling(rangeKeys, ranges));

    add("put large", "metaflow-s3 putFiles", () -> { }, () -> put("bench/up-large/", data.largeFiles));
    add("put large", "SDK sync loop", () -> { }, () -> peers.sdkLoopUpload("bench/up-large-sdk/", data.largeFiles));
    add("put large", "TransferManager (Java multipart) uploadFile", () -> { },
        () -> peers.uploadFiles(data.largeFiles, "bench/up-large-tm/"));
  }

  void list() throws Exception {
    List<String> prefixUrls = BenchData.urls(data.listPrefixes);
    add("listRecursive", "metaflow-s3 listRecursive", () -> { },
        () -> new Measurement.Work(s3.listRecursive(prefixUrls).size(), 0));
    add("listRecursive", "SDK sync paginator loop", () -> { }, () -> peers.sdkLoopList(data.listPrefixes, null));
    add("listPaths", "metaflow-s3 listPaths", () -> { },
        () -> new Measurement.Work(s3.listPaths(List.of(BenchData.url(BenchData.LIST))).size(), 0));
    add("listPaths", "SDK sync paginator loop", () -> { }, () -> peers.sdkLoopList(List.of(BenchData.LIST), "/"));
  }

  private void add(String workload, String tool, Runnable reset, java.util.concurrent.Callable<Measurement.Work> body)
      throws Exception {
    results.add(Measurement.of(workload, tool, runs, reset, body));
  }

  private void cleanDownloads() {
    Main.clean(into);
  }

  private Measurement.Work get(List<String> urls) {
    List<S3Object> got = s3.getMany(urls);
    downloaded.addAll(got);
    return new Measurement.Work(urls.size(), got.stream().mapToLong(S3Object::size).sum());
  }

  private Measurement.Work put(String prefix, List<Path> files) throws IOException {
    Map<String, Path> map = new LinkedHashMap<>();
    long bytes = 0;
    for (int i = 0; i < files.size(); i++) {
      map.put(BenchData.url(prefix + "f" + i), files.get(i));
      bytes += Files.size(files.get(i));
    }
    return new Measurement.Work(s3.putFiles(map).size(), bytes);
  }
}
