package io.metaflows3.beam;

import io.metaflows3.core.WriteJob;
import io.metaflows3.core.WrittenObject;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;

/** Runs once, after every bundle committed: stores the manifest, then emits the URLs written. */
final class CommitFn extends DoFn<String, String> {
  private final WriteJob job;
  private final PCollectionView<List<WrittenObject>> written;

  CommitFn(WriteJob job, PCollectionView<List<WrittenObject>> written) {
    this.job = job;
    this.written = written;
  }

  @ProcessElement
  public void process(ProcessContext context) {
    List<WrittenObject> objects = context.sideInput(written);
    job.commit(objects);
    objects.forEach(o -> context.output(job.prefix() + o.key()));
  }
}
