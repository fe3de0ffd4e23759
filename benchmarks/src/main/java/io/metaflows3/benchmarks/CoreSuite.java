package io.metaflows3.benchmarks;

import io.metaflows3.core.S3;
import io.metaflows3.benchmarks.Measurement.Tool;
import io.metaflows3.core.api.S3Object;
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
    List<Tool> get = new ArrayList<>(List.of(
        new Tool("metaflow-s3 getMany", release, () -> get(BenchData.urls(data.smallKeys))),
        new Tool("SDK sync loop", this::cleanDownloads, () -> peers.sdkLoopDownload(data.smallKeys, into)),
        new Tool("TransferManager (CRT) downloadDirectory", this::cleanDownloads,
            () -> peers.downloadDirectory(BenchData.SMALL, into, data.smallKeys.size(), data.smallBytes))));
    if (peers.hasAwsCli) {
      get.add(new Tool("aws s3 cp --recursive", this::cleanDownloads,
          () -> peers.awsCli(BenchData.url(BenchData.SMALL), into, data.smallKeys.size(), data.smallBytes)));
    }
    get.add(new Tool("ceiling: raw GETs, 64 in flight", () -> { }, () -> peers.ceiling(data.smallKeys, null)));
    results.addAll(Measurement.interleaved("get small", runs, get));

    results.addAll(Measurement.interleaved("put small", runs, List.of(
        new Tool("metaflow-s3 putFiles", () -> { }, () -> put("bench/up-small/", data.smallFiles)),
        new Tool("SDK sync loop", () -> { }, () -> peers.sdkLoopUpload("bench/up-small-sdk/", data.smallFiles)),
        new Tool("TransferManager (CRT) uploadDirectory", () -> { }, () -> peers.uploadDirectory(data.smallDir,
            "bench/up-small-tm/", data.smallFiles.size(), data.smallBytes)),
        new Tool("ceiling: raw PUTs, 64 in flight", () -> { },
            () -> peers.putCeiling("bench/up-small-raw/", data.smallFiles)))));
  }

  void large() throws Exception {
    List<String> rangeKeys = new ArrayList<>();
    List<long[]> ranges = new ArrayList<>();
    long part = s3.settings().partSize();
    for (String k : data.largeKeys) {
      for (long at = 0; at < data.largeBytes / data.largeKeys.size(); at += part) {
        rangeKeys.add(k);
        ranges.add(new long[] {at, part});
      }
    }
    List<Tool> get = new ArrayList<>(List.of(
        new Tool("metaflow-s3 getMany", release, () -> get(BenchData.urls(data.largeKeys))),
        new Tool("SDK sync loop", this::cleanDownloads, () -> peers.sdkLoopDownload(data.largeKeys, into)),
        new Tool("TransferManager (CRT) downloadFile", this::cleanDownloads,
            () -> peers.downloadFiles(data.largeKeys, into, data.largeBytes))));
    if (peers.hasAwsCli) {
      get.add(new Tool("aws s3 cp --recursive", this::cleanDownloads,
          () -> peers.awsCli(BenchData.url(BenchData.LARGE), into, data.largeKeys.size(), data.largeBytes)));
    }
    get.add(new Tool("ceiling: raw ranged GETs, 64 in flight", () -> { }, () -> peers.ceiling(rangeKeys, ranges)));
    results.addAll(Measurement.interleaved("get large", runs, get));

    results.addAll(Measurement.interleaved("put large", runs, List.of(
        new Tool("metaflow-s3 putFiles", () -> { }, () -> put("bench/up-large/", data.largeFiles)),
        new Tool("SDK sync loop", () -> { }, () -> peers.sdkLoopUpload("bench/up-large-sdk/", data.largeFiles)),
        new Tool("TransferManager (Java multipart) uploadFile", () -> { },
            () -> peers.uploadFiles(data.largeFiles, "bench/up-large-tm/")))));
  }

  /** Listing, with {@code morePeers} (Beam's match, when that suite runs) in the same rounds. */
  void list(List<Tool> morePeers) throws Exception {
    List<String> prefixUrls = BenchData.urls(data.listPrefixes);
    List<Tool> recursive = new ArrayList<>(List.of(
        new Tool("metaflow-s3 listRecursive", () -> { },
            () -> new Measurement.Work(s3.listRecursive(prefixUrls).size(), 0)),
        new Tool("SDK sync paginator loop", () -> { }, () -> peers.sdkLoopList(data.listPrefixes, null))));
    recursive.addAll(morePeers);
    results.addAll(Measurement.interleaved("listRecursive", runs, recursive));
    results.addAll(Measurement.interleaved("listPaths", runs, List.of(
        new Tool("metaflow-s3 listPaths", () -> { },
            () -> new Measurement.Work(s3.listPaths(List.of(BenchData.url(BenchData.LIST))).size(), 0)),
        new Tool("SDK sync paginator loop", () -> { }, () -> peers.sdkLoopList(List.of(BenchData.LIST), "/")))));
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
