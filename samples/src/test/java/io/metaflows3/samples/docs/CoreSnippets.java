package io.metaflows3.samples.docs;

// doc:core-client
import io.metaflows3.core.*;
import io.metaflows3.core.api.*;
import io.metaflows3.core.metaflow.*;
import java.util.List;
// end:core-client

/**
 * The core client's snippet of README.md, run by {@link RunSnippets} in a JVM of its own, configured as a user's
 * machine is, by its environment (endpoint, credentials), against the embedded server.
 */
final class CoreSnippets {
  private CoreSnippets() {}

  @SuppressWarnings("unused")
  static void coreClient() {
    // doc:core-client
    try (S3 s3 = S3.builder().s3root("s3://my-bucket/data").run(FlowRun.of("S3DemoFlow", "3")).build()) {
      String url = s3.put("message", "hello");            // s3://my-bucket/data/S3DemoFlow/3/message
      S3Object obj = s3.get("message");                   // downloaded into a temp file
      System.out.println(obj.text() + " " + obj.size() + " " + obj.metadata());
      s3.putMany(List.of(S3PutObject.of("a", "1"), S3PutObject.of("b", "2")));
      List<S3Object> many = s3.getMany(List.of("a", "b"));                  // parallel, request order
      s3.put("blob", new byte[4096]);
      List<S3Object> ranges = s3.getManyObjects(List.of(S3GetObject.of("blob", 0, 1024),
                                                        S3GetObject.of("blob", 1024, 1024)));
      List<S3Object> all = s3.getRecursive(List.of(""));                    // everything below the run
      s3.put("once", "v", PutOption.NO_OVERWRITE);                          // never replaces an object
      boolean missing = !s3.get("maybe", GetOption.RETURN_MISSING).exists();
    }   // every temp file is deleted here
    // end:core-client
  }
}
