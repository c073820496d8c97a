package org.xraybridge.forward;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.xraybridge.forward.agent.MsgpackBuffer;
import org.xraybridge.forward.agent.V04TraceWriter;
import org.xraybridge.forward.delivery.Accounting;
import org.xraybridge.forward.delivery.Payload;
import org.xraybridge.forward.delivery.PayloadKind;
import org.xraybridge.forward.delivery.RateLimitedLog;
import org.xraybridge.forward.delivery.Receipts;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Receipt;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * v0.4 payloads for an Agent: one open payload per {@link TracerInfo}, so each request's {@code
 * Datadog-Meta-*} headers are true for every trace in it, as if the tracer had sent it.
 *
 * <p>A payload is cut before it would pass {@code maxPayloadBytes}. A trace that does not fit the
 * open payload is retried once in a fresh one (the open one is sent first); a trace that does not
 * fit even an empty payload is cut into parts that do ({@link ChunkParts}); only a single span that
 * does not fit is dropped and counted {@code OVERSIZED}. At most {@link #MAX_OPEN} payloads are open, and
 * together they hold at most about one {@code maxPayloadBytes}: past that, the largest is sent.
 */
final class AgentAssembler implements Assembler {
  static final int MAX_OPEN = 16;
  /** Room kept for the outer array header (array32). */
  private static final int HEADER_ROOM = 5;

  private final V04TraceWriter writer = new V04TraceWriter();
  private final int maxPayloadBytes;
  private final long flushIntervalNanos;
  private final Consumer<Payload> emit;
  private final Accounting accounting;
  private final RateLimitedLog warnings;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<TracerInfo, Open> open = new LinkedHashMap<>();
  /** Buffers of sent payloads, reused by the next ones. */
  private final ArrayDeque<MsgpackBuffer> pool = new ArrayDeque<>();
  private long pendingBytes;

  AgentAssembler(
      int maxPayloadBytes,
      long flushIntervalNanos,
      Consumer<Payload> emit,
      Accounting accounting,
      RateLimitedLog warnings,
      LongSupplier nanoTime) {
    this.maxPayloadBytes = maxPayloadBytes;
    this.flushIntervalNanos = flushIntervalNanos;
    this.emit = emit;
    this.accounting = accounting;
    this.warnings = warnings;
    this.nanoTime = nanoTime;
  }

  @Override
  public void add(TraceChunk chunk, Receipt receipt) {
    if (chunk.spans().isEmpty()) return;
    int size = writer.sizeOf(chunk);
    int room = maxPayloadBytes - HEADER_ROOM;
    if (size > room && chunk.size() > 1) {
      // larger than a payload: sent in parts, as a tracer's partial flushes are (docs/forward.md)
      int parts = ChunkParts.count(chunk.size(), size, room);
      for (int i = 0; i < parts; i++) {
        add(ChunkParts.part(chunk, ChunkParts.start(chunk.size(), parts, i), ChunkParts.start(chunk.size(), parts, i + 1)), receipt);
      }
      return;
    }
    Open o = open.get(chunk.tracer());
    if (o != null && o.buffer.size() + size > room) {
      send(o); // does not fit the open payload: send it and retry once in a fresh one
      o = null;
    }
    if (size > room) {
      accounting.dropped(Ledger.Reason.OVERSIZED, chunk.size());
      receipt.settled(chunk.size());
      warnings.warn("oversized", "Forward: a span encodes to " + size
          + " bytes, more than bridge.forward.max-payload-bytes (" + maxPayloadBytes + "); dropped (counted as oversized)");
      return;
    }
    if (o == null) {
      MsgpackBuffer b = pool.pollFirst();
      o = new Open(chunk.tracer(), nanoTime.getAsLong(), b != null ? b : newBuffer(room));
      open.put(chunk.tracer(), o);
      if (open.size() > MAX_OPEN) send(open.values().iterator().next());
    }
    o.buffer.ensureRoom(size);
    writer.write(chunk, o.buffer);
    o.traces++;
    o.receipts.add(receipt, chunk.size());
    for (int i = 0; i < chunk.spans().size(); i++) o.spanIds.add(chunk.spans().get(i).spanId());
    pendingBytes += size;
    if (pendingBytes > maxPayloadBytes) send(largest());
  }

  @Override
  public void flushDue(long nowNanos) {
    List<Open> due = new ArrayList<>();
    for (Open o : open.values()) {
      if (nowNanos - o.openedNanos >= flushIntervalNanos) due.add(o);
    }
    for (Open o : due) send(o);
  }

  @Override
  public void flushAll() {
    for (Iterator<Map.Entry<TracerInfo, Open>> it = open.entrySet().iterator(); it.hasNext(); ) {
      Open o = it.next().getValue();
      it.remove();
      emit(o);
    }
  }

  /**
   * Pooled buffers keep their arrays up to a share of one payload, so the pool retains at most about
   * one {@code maxPayloadBytes} in total however many producers there are.
   */
  private static MsgpackBuffer newBuffer(int room) {
    int initial = Math.min(room, 64 * 1024);
    return new MsgpackBuffer(initial, room, Math.max(256 * 1024, room / MAX_OPEN));
  }

  private Open largest() {
    Open max = null;
    for (Open o : open.values()) {
      if (max == null || o.buffer.size() > max.buffer.size()) max = o;
    }
    return max;
  }

  private void send(Open o) {
    open.remove(o.tracer);
    emit(o);
  }

  private void emit(Open o) {
    pendingBytes -= o.buffer.size();
    byte[] prefix = MsgpackBuffer.arrayHeader(o.traces);
    byte[] body = o.buffer.toByteArray(prefix, prefix.length);
    o.buffer.reset();
    if (pool.size() < MAX_OPEN) pool.addLast(o.buffer);
    emit.accept(new Payload(PayloadKind.AGENT_TRACES, body, false, headers(o.tracer, o.traces), o.traces,
        o.spanIds.toArray(), o.receipts.build()));
  }

  /** The headers a tracer sends with a v0.4 payload (docs/forward.md, "Payloads"). */
  static Map<String, String> headers(TracerInfo t, int traceCount) {
    Map<String, String> h = tracerHeaders(t);
    h.put("X-Datadog-Trace-Count", Integer.toString(traceCount));
    // an overloaded Agent then answers 429 (which we retry) instead of a 200 that drops the payload
    h.put("Datadog-Send-Real-Http-Status", "true");
    // the tracer posts its own stats for these spans (passed on from /v0.6/stats): the Agent must not count them again
    if (t.clientComputedStats()) h.put("Datadog-Client-Computed-Stats", "true");
    return h;
  }

  /** Content type and the producer's {@code Datadog-Meta-*} headers. */
  static Map<String, String> tracerHeaders(TracerInfo t) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/msgpack");
    if (!t.language().isEmpty()) h.put("Datadog-Meta-Lang", t.language());
    if (!t.languageVersion().isEmpty()) h.put("Datadog-Meta-Lang-Version", t.languageVersion());
    if (!t.tracerVersion().isEmpty()) h.put("Datadog-Meta-Tracer-Version", t.tracerVersion());
    if (!t.containerId().isEmpty()) {
      h.put("Datadog-Container-ID", t.containerId());
      h.put("Datadog-Entity-ID", "ci-" + t.containerId());
    }
    return h;
  }

  private static final class Open {
    final TracerInfo tracer;
    final long openedNanos;
    final MsgpackBuffer buffer;
    final LongList spanIds = new LongList();
    final Receipts.Builder receipts = new Receipts.Builder();
    int traces;

    Open(TracerInfo tracer, long openedNanos, MsgpackBuffer buffer) {
      this.tracer = tracer;
      this.openedNanos = openedNanos;
      this.buffer = buffer;
    }
  }
}
