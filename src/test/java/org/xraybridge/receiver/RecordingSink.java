package org.xraybridge.receiver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ClientStatsSink;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/** Records what the receiver hands on; can be told to answer overloaded. Thread-safe. */
final class RecordingSink implements NativeSink, ClientStatsSink {
  final List<List<TraceChunk>> offers = new CopyOnWriteArrayList<>();
  final List<byte[]> stats = new CopyOnWriteArrayList<>();
  final List<TracerInfo> statsTracers = new CopyOnWriteArrayList<>();
  volatile boolean overloaded;

  @Override
  public Admission offer(List<TraceChunk> chunks) {
    if (overloaded) return Admission.OVERLOADED;
    offers.add(List.copyOf(chunks));
    return Admission.ACCEPTED;
  }

  @Override
  public Admission offer(byte[] clientStatsPayload, TracerInfo tracer) {
    if (overloaded) return Admission.OVERLOADED;
    stats.add(clientStatsPayload);
    statsTracers.add(tracer);
    return Admission.ACCEPTED;
  }

  List<TraceChunk> chunks() {
    List<TraceChunk> all = new ArrayList<>();
    for (List<TraceChunk> o : offers) all.addAll(o);
    return all;
  }

  List<Span> spans() {
    List<Span> all = new ArrayList<>();
    for (TraceChunk c : chunks()) all.addAll(c.spans());
    return all;
  }

  long spanCount() {
    return spans().size();
  }
}
