package io.metaflows3.beam;

import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Commits what the bundles of one window and pane wrote (all of them, once the runner committed those
 * bundles), then emits the committed URLs. Bounded input in the global window is one commit of the whole
 * write; otherwise each pane is a part committed as its own version, named by its window and pane index so a
 * retried commit finds the version it made.
 */
final class CommitFn extends DoFn<KV<String, Iterable<WrittenObject>>, String> {
  private final PCollectionView<TableWrite> job;
  private final boolean wholeWrite;

  CommitFn(PCollectionView<TableWrite> job, boolean wholeWrite) {
    this.job = job;
    this.wholeWrite = wholeWrite;
  }

  @ProcessElement
  public void process(ProcessContext context, BoundedWindow window, PaneInfo pane) {
    List<WrittenObject> objects = new ArrayList<>();
    context.element().getValue().forEach(objects::add);
    TableWrite write = context.sideInput(job);
    TableWrite.Committed committed = wholeWrite ? write.commit(objects)
        : write.commitPart(objects, window + " pane " + pane.getIndex());
    committed.urls().forEach(context::output);
  }
}
