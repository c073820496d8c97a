package org.xraybridge.source.xray;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRaySink;

/** Records what it accepts; accepts at most {@link #budget} more traces (unlimited when negative). */
public final class RecordingSink implements XRaySink {
  public final List<ConvertedTrace> accepted = new CopyOnWriteArrayList<>();
  public final AtomicInteger budget = new AtomicInteger(-1);
  public final AtomicInteger refused = new AtomicInteger();

  @Override
  public Admission offer(ConvertedTrace trace) {
    while (true) {
      int b = budget.get();
      if (b == 0) {
        refused.incrementAndGet();
        return Admission.OVERLOADED;
      }
      if (b < 0 || budget.compareAndSet(b, b - 1)) break;
    }
    accepted.add(trace);
    return Admission.ACCEPTED;
  }

  /** Every span id accepted, in order, duplicates kept (so a test can see one). */
  public List<Long> spanIds() {
    List<Long> ids = new ArrayList<>();
    for (ConvertedTrace t : accepted) for (Span s : t.spans()) ids.add(s.spanId());
    return ids;
  }

  /** Every emitted segment id accepted, duplicates kept. */
  public List<String> segmentIds() {
    List<String> ids = new ArrayList<>();
    for (ConvertedTrace t : accepted) ids.addAll(t.emittedSegmentIds());
    return ids;
  }

  public int spanCount() {
    int n = 0;
    for (ConvertedTrace t : accepted) n += t.spans().size();
    return n;
  }
}
