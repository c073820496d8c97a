package org.xraybridge.source.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRaySink;

/** The merge stage's place: records what it accepts; answers OVERLOADED while {@link #overloaded} is set. */
final class RecordingSink implements XRaySink {
  final AtomicBoolean overloaded = new AtomicBoolean();
  final AtomicInteger refused = new AtomicInteger();
  private final List<ConvertedTrace> accepted = new ArrayList<>();

  @Override
  public synchronized Admission offer(ConvertedTrace trace) {
    if (overloaded.get()) {
      refused.incrementAndGet();
      return Admission.OVERLOADED;
    }
    accepted.add(trace);
    return Admission.ACCEPTED;
  }

  synchronized List<ConvertedTrace> chunks() {
    return List.copyOf(accepted);
  }

  synchronized List<Span> spans() {
    List<Span> out = new ArrayList<>();
    for (ConvertedTrace t : accepted) out.addAll(t.spans());
    return out;
  }

  synchronized int spanCount() {
    int n = 0;
    for (ConvertedTrace t : accepted) n += t.spans().size();
    return n;
  }

  /** The span whose id is {@code hexId}; fails when absent or there twice. */
  synchronized Span span(String hexId) {
    long id = Long.parseUnsignedLong(hexId, 16);
    Span found = null;
    for (Span s : spans()) {
      if (s.spanId() == id) {
        if (found != null) throw new AssertionError("span " + hexId + " delivered twice");
        found = s;
      }
    }
    if (found == null) throw new AssertionError("no span " + hexId + " among " + spans());
    return found;
  }
}
