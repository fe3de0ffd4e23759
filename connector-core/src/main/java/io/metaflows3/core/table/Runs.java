package io.metaflows3.core.table;

import io.metaflows3.core.S3;
import io.metaflows3.core.api.S3Object;
import io.metaflows3.core.api.S3Url;
import io.metaflows3.core.metaflow.FlowRun;
import io.metaflows3.core.metaflow.MetaflowS3Exception;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runs of a flow under a client's datatools root ({@code <s3root>/<Flow>/<runId>/}, metaflow's layout) that
 * show data: a run whose only objects are writes still in flight or failed (the table contract hides them) is
 * not a result yet. Numeric run ids compare as numbers.
 */
public final class Runs {
  private static final Comparator<String> RUN_ORDER = (a, b) -> {
    boolean na = a.chars().allMatch(Character::isDigit);
    boolean nb = b.chars().allMatch(Character::isDigit);
    if (na && nb) {
      return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
    }
    return na != nb ? Boolean.compare(na, nb) : a.compareTo(b);
  };

  private Runs() {}

  /** The newest run of {@code flow} that shows data; lists each run it passes over, newest first. */
  public static Optional<FlowRun> latest(S3 s3, String flow) {
    S3Url flowRoot = flowRoot(s3, flow);
    // Runs lie beside the client's root, not below it: look with a client of the same settings and no root.
    try (S3 urls = unrooted(s3)) {
      ReadPlanner planner = new ReadPlanner(urls);
      List<String> ids = runIds(urls, flowRoot);
      for (int i = ids.size() - 1; i >= 0; i--) {
        if (showsData(planner, flowRoot, ids.get(i))) {
          return Optional.of(FlowRun.of(flow, ids.get(i)));
        }
      }
      return Optional.empty();
    }
  }

  /** Every run of {@code flow} that shows data, oldest first. */
  public static List<FlowRun> all(S3 s3, String flow) {
    S3Url flowRoot = flowRoot(s3, flow);
    try (S3 urls = unrooted(s3)) {
      ReadPlanner planner = new ReadPlanner(urls);
      return runIds(urls, flowRoot).stream().filter(id -> showsData(planner, flowRoot, id))
          .map(id -> FlowRun.of(flow, id)).toList();
    }
  }

  private static S3 unrooted(S3 s3) {
    return S3.builder().settings(s3.settings()).environment(Map.of()).build();
  }

  private static S3Url flowRoot(S3 s3, String flow) {
    String root = s3.datatoolsRoot().orElseThrow(() -> new MetaflowS3Exception(
        "runs of a flow need an s3root (builder or METAFLOW_DATATOOLS_S3ROOT)", null));
    return S3Url.parse(root).asPrefix().resolve(FlowRun.of(flow, "0").flow() + "/");
  }

  /** The run ids below a flow's prefix, oldest first. */
  private static List<String> runIds(S3 urls, S3Url flowRoot) {
    return urls.listPaths(List.of(flowRoot.toString())).stream().filter(o -> !o.exists())
        .map(S3Object::url).map(url -> S3Url.parse(url).relativeTo(flowRoot).replaceAll("/$", ""))
        .sorted(RUN_ORDER).toList();
  }

  private static boolean showsData(ReadPlanner planner, S3Url flowRoot, String id) {
    return !planner.listPrefixes(List.of(flowRoot.resolve(id + "/").toString()), PartitionFilter.ALL).isEmpty();
  }
}
