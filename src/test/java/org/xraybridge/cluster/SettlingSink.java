package org.xraybridge.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xraybridge.model.BatchSink;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;

/**
 * A forward stage that delivers at once: records every chunk and settles each batch's receipt as it
 * takes it, so a kafka-mode consumer commits what it read. Thread-safe.
 */
final class SettlingSink implements BatchSink {

  final List<TraceChunk> chunks = new CopyOnWriteArrayList<>();

  @Override
  public boolean saturated() {
    return false;
  }

  @Override
  public void submit(ChunkBatch batch) {
    chunks.addAll(batch.chunks());
    batch.receipt().settled(batch.spanCount());
  }

  List<Span> spans() {
    List<Span> all = new ArrayList<>();
    for (TraceChunk c : chunks) all.addAll(c.spans());
    return all;
  }

  List<Span> spansOf(long traceId) {
    List<Span> all = new ArrayList<>();
    for (Span s : spans()) if (s.traceId() == traceId) all.add(s);
    return all;
  }
}
