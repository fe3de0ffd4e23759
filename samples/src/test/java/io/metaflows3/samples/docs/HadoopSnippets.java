package io.metaflows3.samples.docs;

// doc:hadoop-filesystem
import io.metaflows3.core.api.S3Settings;
import io.metaflows3.hadoop.FileSystemSettings;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
// end:hadoop-filesystem

import java.io.IOException;

/** The Hadoop file system's snippet of README.md and docs/hadoop.md. */
final class HadoopSnippets {
  private HadoopSnippets() {}

  static FileSystem fileSystem() throws IOException {
    // doc:hadoop-filesystem
    Configuration conf = new Configuration();
    FileSystemSettings.apply(conf, S3Settings.defaults());   // fs.s3.impl and metaflow.s3.* entries
    FileSystem fs = new Path("s3://bucket/prefix/").getFileSystem(conf);
    // end:hadoop-filesystem
    return fs;
  }
}
