package io.metaflows3.samples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.metaflows3.local.LocalS3Extension;
import io.metaflows3.local.LocalS3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every ```java block of README.md and docs/*.md is code this module compiles: it equals a region of the snippet
 * sources in this package marked by {@code // doc:NAME} and {@code // end:NAME} (indentation and trailing spaces
 * aside). A region may come in pieces (its imports at the top of the file, its statements in a method): the pieces
 * of one name in one file are joined in order with a blank line between them. Regions may nest; marker lines are
 * never part of a region. The snippets that need no engine also run here, against the embedded server.
 */
@ExtendWith(LocalS3Extension.class)
class DocSnippetsTest {
  private static final Path PROJECT = Path.of("..");
  private static final Path SNIPPETS = Path.of("src/test/java/io/metaflows3/samples/docs");
  private static final Pattern BEGIN = Pattern.compile("^\\s*// doc:(\\S+)\\s*$");
  private static final Pattern END = Pattern.compile("^\\s*// end:(\\S+)\\s*$");
  private static final Pattern FENCE_JAVA = Pattern.compile("^\\s*```java\\s*$");

  /** A ```java block of a doc: the file, its first line as written, its lines normalized. */
  record Block(String doc, int line, String firstLine, List<String> lines) {}

  @Test
  void everyJavaBlockOfTheDocsIsAMarkedRegionOfCompiledSnippets() {
    Map<String, List<String>> regions = regions();
    List<Block> blocks = javaBlocks();
    assertFalse(blocks.isEmpty(), "no ```java block found in " + docs());
    List<String> failures = new ArrayList<>();
    for (Block block : blocks) {
      if (!regions.containsValue(block.lines())) {
        failures.add(block.doc() + ":" + block.line() + ": the java block starting `" + block.firstLine()
            + "` matches no region marked // doc:NAME ... // end:NAME in " + SNIPPETS + nearest(block, regions));
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  @Test
  void everyMarkedRegionIsShownInADoc() {
    Set<List<String>> shown = javaBlocks().stream().map(Block::lines).collect(Collectors.toSet());
    List<String> unused = regions().entrySet().stream().filter(e -> !shown.contains(e.getValue()))
        .map(Map.Entry::getKey).toList();
    assertTrue(unused.isEmpty(), "marked regions no doc shows (remove them or show them): " + unused);
  }

  /**
   * The core client's and the Hadoop file system's snippets, run as a user runs them: a JVM configured by its
   * environment alone (no metaflow config files: a fresh home and working folder), the endpoint the embedded
   * server's.
   */
  @Test
  void theCoreAndHadoopSnippetsRunAgainstTheEmbeddedServer(LocalS3Server server, S3Client sdk, @TempDir Path home)
      throws Exception {
    server.createBucket("my-bucket");
    ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), RunSnippets.class.getName())
        .directory(home.toFile()).redirectErrorStream(true);
    Map<String, String> env = child.environment();
    env.keySet().removeIf(name -> name.startsWith("METAFLOW_") || name.startsWith("AWS_"));
    env.put("HOME", home.toString());
    env.put("AWS_ENDPOINT_URL", server.endpoint().toString());
    env.put("AWS_ACCESS_KEY_ID", LocalS3Server.ACCESS_KEY_ID);
    env.put("AWS_SECRET_ACCESS_KEY", LocalS3Server.SECRET_ACCESS_KEY);
    env.put("AWS_REGION", "us-east-1");
    Process process = child.start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the snippets' JVM did not end");
    String printed = new String(output, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), printed);
    List<String> lines = printed.lines().toList();
    assertTrue(lines.contains("hello 5 {}"), printed);
    assertTrue(lines.contains("file system io.metaflows3.hadoop.MetaflowS3FileSystem s3://bucket"), printed);

    List<String> stored = sdk.listObjectsV2(r -> r.bucket("my-bucket").prefix("data/")).contents().stream()
        .map(o -> o.key()).sorted().toList();
    assertEquals(List.of("data/S3DemoFlow/3/a", "data/S3DemoFlow/3/b", "data/S3DemoFlow/3/blob",
        "data/S3DemoFlow/3/message", "data/S3DemoFlow/3/once"), stored);
  }

  private static List<Path> docs() {
    List<Path> docs = new ArrayList<>();
    docs.add(PROJECT.resolve("README.md"));
    try (Stream<Path> files = Files.list(PROJECT.resolve("docs"))) {
      files.filter(f -> f.getFileName().toString().endsWith(".md")).sorted().forEach(docs::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  private static List<Block> javaBlocks() {
    List<Block> blocks = new ArrayList<>();
    for (Path doc : docs()) {
      List<String> lines = read(doc);
      String name = PROJECT.relativize(doc).toString();
      for (int i = 0; i < lines.size(); i++) {
        if (!FENCE_JAVA.matcher(lines.get(i)).matches()) {
          continue;
        }
        int start = i + 1;
        int end = start;
        while (end < lines.size() && !lines.get(end).trim().equals("```")) {
          end++;
        }
        assertTrue(end < lines.size(), name + ":" + (start) + ": a ```java block is not closed");
        List<String> body = lines.subList(start, end);
        String first = body.stream().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        blocks.add(new Block(name, start, first, normalize(body)));
        i = end;
      }
    }
    return blocks;
  }

  /** The marked regions of every snippet source, by file and name, their pieces joined. */
  private static Map<String, List<String>> regions() {
    Map<String, List<String>> regions = new LinkedHashMap<>();
    List<Path> sources;
    try (Stream<Path> files = Files.list(SNIPPETS)) {
      sources = files.filter(f -> f.getFileName().toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path source : sources) {
      Map<String, List<List<String>>> pieces = new LinkedHashMap<>();
      Map<String, List<String>> open = new HashMap<>();
      List<String> lines = read(source);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        Matcher begin = BEGIN.matcher(line);
        Matcher end = END.matcher(line);
        if (begin.matches()) {
          assertFalse(open.containsKey(begin.group(1)), source + ":" + (i + 1) + ": " + begin.group(1) + " is open");
          List<String> piece = new ArrayList<>();
          open.put(begin.group(1), piece);
          pieces.computeIfAbsent(begin.group(1), n -> new ArrayList<>()).add(piece);
        } else if (end.matches()) {
          assertTrue(open.remove(end.group(1)) != null, source + ":" + (i + 1) + ": " + end.group(1) + " is not open");
        } else {
          open.values().forEach(piece -> piece.add(line));
        }
      }
      assertTrue(open.isEmpty(), source + ": regions not closed: " + open.keySet());
      pieces.forEach((name, parts) -> {
        List<String> joined = new ArrayList<>();
        for (List<String> part : parts) {
          if (!joined.isEmpty()) {
            joined.add("");
          }
          joined.addAll(normalize(part));
        }
        regions.put(source.getFileName() + "#" + name, joined);
      });
    }
    return regions;
  }

  /** Trailing whitespace and leading and trailing blank lines removed, then the lines' common indentation. */
  static List<String> normalize(List<String> lines) {
    List<String> stripped = lines.stream().map(String::stripTrailing).collect(Collectors.toCollection(ArrayList::new));
    while (!stripped.isEmpty() && stripped.get(0).isEmpty()) {
      stripped.remove(0);
    }
    while (!stripped.isEmpty() && stripped.get(stripped.size() - 1).isEmpty()) {
      stripped.remove(stripped.size() - 1);
    }
    int indent = stripped.stream().filter(l -> !l.isEmpty())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return stripped.stream().map(l -> l.isEmpty() ? l : l.substring(indent)).toList();
  }

  /** For a block that matches no region: the region that starts alike and the first line where they differ. */
  private static String nearest(Block block, Map<String, List<String>> regions) {
    Set<String> hints = new LinkedHashSet<>();
    regions.forEach((name, region) -> {
      int same = 0;
      while (same < region.size() && same < block.lines().size() && region.get(same).equals(block.lines().get(same))) {
        same++;
      }
      if (same > 0) {
        hints.add("; " + name + " differs at its line " + (same + 1) + ": doc `"
            + (same < block.lines().size() ? block.lines().get(same) : "(end)") + "`, source `"
            + (same < region.size() ? region.get(same) : "(end)") + "`");
      }
    });
    return String.join("", hints);
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
