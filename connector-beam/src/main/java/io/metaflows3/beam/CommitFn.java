package io.metaflows3.beam;

import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;

/** Runs once, after every bundle committed: commits exactly those objects, then emits their URLs. */
final class CommitFn extends DoFn<String, String> {
  private final PCollectionView<TableWrite> job;
  private final PCollectionView<List<WrittenObject>> written;

  CommitFn(PCollectionView<TableWrite> job, PCollectionView<List<WrittenObject>> written) {
    this.job = job;
    this.written = written;
  }

  @ProcessElement
  public void process(ProcessContext context) {
    context.sideInput(job).commit(context.sideInput(written)).urls().forEach(context::output);
  }
}
