package io.metaflows3.beam;

import io.metaflows3.core.table.TableWrite;
import io.metaflows3.core.table.WrittenObject;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Commits what the bundles of one window and pane wrote (all of them, once the runner committed those
 * bundles), then emits the committed URLs (a re-executed commit emits those its first execution committed).
 * Bounded input in the global window with the default trigger is one commit of the whole write, made even when
 * nothing was written (a replace by nothing empties the table); otherwise each pane is a part committed as its
 * own version, named by its window (encoded by the window's coder, so the same on a restart) and pane index so a
 * retried commit finds the version it made.
 */
final class CommitFn extends DoFn<List<WrittenObject>, String> {
  private final PCollectionView<TableWrite> job;
  private final boolean wholeWrite;
  private final Coder<BoundedWindow> windowCoder;

  CommitFn(PCollectionView<TableWrite> job, boolean wholeWrite, Coder<BoundedWindow> windowCoder) {
    this.job = job;
    this.wholeWrite = wholeWrite;
    this.windowCoder = windowCoder;
  }

  @ProcessElement
  public void process(ProcessContext context, BoundedWindow window, PaneInfo pane) throws Exception {
    TableWrite write = context.sideInput(job);
    TableWrite.Committed committed = wholeWrite ? write.commit(context.element())
        : write.commitPart(context.element(), "window " + CoderUtils.encodeToBase64(windowCoder, window)
            + " pane " + pane.getIndex());
    committed.urls().forEach(context::output);
  }

  /** Collects what the committed bundles of a window and pane wrote into the list one commit takes. */
  static final class Collect extends Combine.CombineFn<WrittenObject, List<WrittenObject>, List<WrittenObject>> {
    @Override
    public List<WrittenObject> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<WrittenObject> addInput(List<WrittenObject> objects, WrittenObject object) {
      objects.add(object);
      return objects;
    }

    @Override
    public List<WrittenObject> mergeAccumulators(Iterable<List<WrittenObject>> lists) {
      List<WrittenObject> merged = new ArrayList<>();
      lists.forEach(merged::addAll);
      return merged;
    }

    @Override
    public List<WrittenObject> extractOutput(List<WrittenObject> objects) {
      return objects;
    }

    @Override
    public Coder<List<WrittenObject>> getAccumulatorCoder(CoderRegistry registry, Coder<WrittenObject> input) {
      return ListCoder.of(input);
    }

    @Override
    public Coder<List<WrittenObject>> getDefaultOutputCoder(CoderRegistry registry, Coder<WrittenObject> input) {
      return ListCoder.of(input);
    }
  }
}
