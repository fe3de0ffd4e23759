package io.metaflows3.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * core's packages are layers: each depends only on the layers after it in {@link #LAYERS}, so there is no
 * package cycle and the folder tree reads top-down. Checked on the compiled classes with the JDK's jdeps.
 */
class PackageLayersTest {
  private static final List<String> LAYERS = List.of("io.metaflows3.core.table", "io.metaflows3.core",
      "io.metaflows3.core.transfer", "io.metaflows3.core.api", "io.metaflows3.core.metaflow");

  @Test
  void eachPackageDependsOnlyOnTheLayersBelowIt() {
    Path classes = Path.of("target", "classes");
    assertTrue(Files.isDirectory(classes.resolve("io/metaflows3/core/transfer")), "compiled classes in " + classes);
    StringWriter out = new StringWriter();
    int exit = ToolProvider.findFirst("jdeps").orElseThrow().run(new PrintWriter(out), new PrintWriter(out),
        "-verbose:package", "-filter:none", classes.toString());
    assertEquals(0, exit, out::toString);
    List<String> upward = new ArrayList<>();
    List<String> unplaced = new ArrayList<>();
    int edges = 0;
    for (String line : out.toString().split("\n")) {
      String[] f = line.trim().split("\\s+");
      for (String end : f.length >= 3 ? new String[] {f[0], f[2]} : new String[0]) {
        if (end.startsWith("io.metaflows3.core") && !LAYERS.contains(end) && !unplaced.contains(end)) {
          unplaced.add(end);
        }
      }
      if (f.length < 3 || !f[1].equals("->") || !LAYERS.contains(f[0]) || !LAYERS.contains(f[2])
          || f[0].equals(f[2])) {
        continue;
      }
      edges++;
      if (LAYERS.indexOf(f[2]) < LAYERS.indexOf(f[0])) {
        upward.add(f[0] + " -> " + f[2]);
      }
    }
    assertTrue(edges >= 4, () -> "jdeps named the layers' dependencies:\n" + out);
    assertEquals(List.of(), unplaced, "packages of core in no layer");
    assertEquals(List.of(), upward, "dependencies on a layer above");
  }
}
