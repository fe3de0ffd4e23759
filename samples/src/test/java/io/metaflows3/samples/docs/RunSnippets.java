package io.metaflows3.samples.docs;

import org.apache.hadoop.fs.FileSystem;

/**
 * Runs the snippets that need no engine, as a user's program would run them: in a JVM of its own, configured by
 * its environment alone ({@link DocSnippetsTest} starts it against the embedded server).
 */
public final class RunSnippets {
  private RunSnippets() {}

  public static void main(String[] args) throws Exception {
    CoreSnippets.coreClient();
    try (FileSystem fs = HadoopSnippets.fileSystem()) {
      System.out.println("file system " + fs.getClass().getName() + " " + fs.getUri());
    }
  }
}
