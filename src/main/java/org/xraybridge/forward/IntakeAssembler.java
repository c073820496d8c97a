package org.xraybridge.forward;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.xraybridge.forward.delivery.Accounting;
import org.xraybridge.forward.delivery.Payload;
import org.xraybridge.forward.delivery.PayloadKind;
import org.xraybridge.forward.delivery.RateLimitedLog;
import org.xraybridge.forward.delivery.Receipts;
import org.xraybridge.forward.intake.ErrorRescue;
import org.xraybridge.forward.intake.IntakeTraceWriter;
import org.xraybridge.forward.intake.ProtoBuffer;
import org.xraybridge.forward.intake.StatsConcentrator;
import org.xraybridge.forward.intake.TopLevel;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Receipt;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * Intake payloads: one open {@code AgentPayload} with one {@code TracerPayload} per producer and
 * env, flushed at {@link #FLUSH_BYTES} or after {@link #FLUSH_INTERVAL}, as the Agent's trace writer
 * does (docs/forward.md, "Payloads").
 *
 * <p>Per chunk, in the Agent's order: mark top-level spans (no Agent will), feed the APM stats
 * concentrator with every chunk — kept or not — then sample: a chunk whose priority is ≤ 0 is not
 * sent and its spans are counted {@code SAMPLED_OUT}, unless {@link ErrorRescue} keeps it for its
 * error. A chunk with no priority takes its root span's {@code _sampling_priority_v1}, else counts
 * as kept (the Agent's no-priority sampler is not reproduced).
 *
 * <p>{@code TracerPayload} groups are keyed by producer <i>and</i> env because {@code env} is a
 * field of the {@code TracerPayload}: one group per {@link TracerInfo} could not say two envs.
 */
final class IntakeAssembler implements Assembler {
  /** The Agent's intake flush size, "the maximum allowed by the Datadog API" (uncompressed). */
  static final int FLUSH_BYTES = 3_200_000;
  /** … or at the latest after this long. */
  static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);
  private static final long FLUSH_INTERVAL_NANOS = FLUSH_INTERVAL.toNanos();
  static final int MAX_GROUPS = 64;
  /** Room kept for the AgentPayload and TracerPayload header fields. */
  private static final int HEADER_ROOM = 16 * 1024;

  private final IntakeTraceWriter writer = new IntakeTraceWriter();
  private final TopLevel topLevel = new TopLevel();
  private final StatsConcentrator stats;
  private final ErrorRescue rescue;
  private final String hostname;
  private final String env;
  private final String agentVersion;
  private final Consumer<Payload> emit;
  private final Accounting accounting;
  private final ForwardMetrics metrics;
  private final RateLimitedLog warnings;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<GroupKey, IntakeTraceWriter.Group> groups = new LinkedHashMap<>();
  private final ArrayDeque<ProtoBuffer> pool = new ArrayDeque<>();
  private final LongList spanIds = new LongList();
  private final Receipts.Builder receipts = new Receipts.Builder();
  private long openedNanos;
  private int traces;
  private long pendingBytes;

  IntakeAssembler(
      StatsConcentrator stats,
      ErrorRescue rescue,
      String hostname,
      String env,
      String agentVersion,
      Consumer<Payload> emit,
      Accounting accounting,
      ForwardMetrics metrics,
      RateLimitedLog warnings,
      LongSupplier nanoTime) {
    this.stats = stats;
    this.rescue = rescue;
    this.hostname = hostname;
    this.env = env;
    this.agentVersion = agentVersion;
    this.emit = emit;
    this.accounting = accounting;
    this.metrics = metrics;
    this.warnings = warnings;
    this.nanoTime = nanoTime;
  }

  private record GroupKey(TracerInfo tracer, String env) {}

  @Override
  public void add(TraceChunk chunk, Receipt receipt) {
    List<Span> spans = chunk.spans();
    if (spans.isEmpty()) return;
    boolean[] top = topLevel.compute(spans);
    // stats see every chunk, before sampling, as the Agent's concentrator — unless the tracer counts
    // its own spans and posts them on /v0.6/stats, which would count them twice
    if (!chunk.tracer().clientComputedStats()) {
      int leftOut = stats.add(chunk, top);
      if (leftOut > 0) metrics.statsSpansLeftOut(leftOut);
    }
    int priority = priority(chunk);
    if (priority <= 0) {
      // as the Agent: a user drop (< 0) is final; an automatic drop with an error may be rescued
      double rate = priority == Priority.AUTO_REJECT && hasError(spans) ? rescue.offer() : 0;
      if (rate == 0) {
        accounting.dropped(Ledger.Reason.SAMPLED_OUT, spans.size());
        receipt.settled(spans.size());
        return;
      }
      metrics.errorTraceRescued();
      chunk = withRootMetric(chunk, ErrorRescue.RATE_METRIC, rate);
    }
    place(chunk, receipt, priority, top);
  }

  /** Writes a sampled chunk into the open payload, in parts when it is larger than a payload. */
  private void place(TraceChunk chunk, Receipt receipt, int priority, boolean[] top) {
    List<Span> spans = chunk.spans();
    int size = writer.sizeOfChunkEntry(chunk, priority, top);
    int room = FLUSH_BYTES - HEADER_ROOM;
    if (size > room && spans.size() > 1) {
      // sent in parts, as a tracer's partial flushes are (docs/forward.md); stats and top-level
      // marks were taken on the whole chunk, so the cuts change neither
      int parts = ChunkParts.count(spans.size(), size, room);
      for (int i = 0; i < parts; i++) {
        int from = ChunkParts.start(spans.size(), parts, i);
        int to = ChunkParts.start(spans.size(), parts, i + 1);
        place(ChunkParts.part(chunk, from, to), receipt, priority, ChunkParts.slice(top, from, to));
      }
      return;
    }
    if (pendingBytes > 0 && pendingBytes + size > room) {
      flushAll(); // does not fit the open payload: send it and retry once in a fresh one
      size = writer.sizeOfChunkEntry(chunk, priority, top);
    }
    if (size > room) {
      accounting.dropped(Ledger.Reason.OVERSIZED, spans.size());
      receipt.settled(spans.size());
      warnings.warn("oversized", "Forward: a span encodes to " + size
          + " bytes, more than an intake payload takes (" + FLUSH_BYTES + " bytes); dropped (counted as oversized)");
      return;
    }
    GroupKey key = new GroupKey(chunk.tracer(), chunk.env().isEmpty() ? env : chunk.env());
    IntakeTraceWriter.Group g = groups.get(key);
    if (g == null) {
      if (groups.size() >= MAX_GROUPS) {
        flushAll();
        size = writer.sizeOfChunkEntry(chunk, priority, top);
      }
      ProtoBuffer b = pool.pollFirst();
      // pooled buffers keep up to one payload's worth each, and the pool holds two
      g = new IntakeTraceWriter.Group(key.tracer(), key.env(), b != null ? b : new ProtoBuffer(64 * 1024, FLUSH_BYTES, FLUSH_BYTES));
      groups.put(key, g);
    }
    if (traces == 0) openedNanos = nanoTime.getAsLong();
    writer.writeChunkEntry(chunk, priority, top, g.chunks());
    traces++;
    receipts.add(receipt, spans.size());
    for (int i = 0; i < spans.size(); i++) spanIds.add(spans.get(i).spanId());
    pendingBytes += size;
    if (pendingBytes >= room) flushAll();
  }

  /**
   * The chunk's priority; without one, its root span's {@code _sampling_priority_v1}, else keep.
   */
  static int priority(TraceChunk chunk) {
    if (chunk.priority() != Priority.NONE) return chunk.priority();
    List<Span> spans = chunk.spans();
    Double fallback = null;
    for (int i = 0; i < spans.size(); i++) {
      Double p = spans.get(i).metrics().get(Priority.METRIC);
      if (p == null) continue;
      if (spans.get(i).parentId() == 0) return p.intValue();
      if (fallback == null) fallback = p;
    }
    return fallback != null ? fallback.intValue() : Priority.AUTO_KEEP;
  }

  private static boolean hasError(List<Span> spans) {
    for (int i = 0; i < spans.size(); i++) {
      if (spans.get(i).error() != 0) return true;
    }
    return false;
  }

  /** The chunk with {@code metric} on its root: the span without a parent in the chunk (the first, if several). */
  static TraceChunk withRootMetric(TraceChunk chunk, String metric, double value) {
    List<Span> spans = chunk.spans();
    Set<Long> ids = new HashSet<>();
    for (Span s : spans) ids.add(s.spanId());
    List<Span> out = new ArrayList<>(spans);
    for (int i = 0; i < spans.size(); i++) {
      Span s = spans.get(i);
      if (s.parentId() == 0 || !ids.contains(s.parentId())) {
        out.set(i, s.toBuilder().putMetric(metric, value).build());
        break;
      }
    }
    return new TraceChunk(chunk.traceId(), out, chunk.priority(), chunk.origin(), chunk.env(), chunk.half(), chunk.tracer());
  }

  @Override
  public void flushDue(long nowNanos) {
    if (traces > 0 && nowNanos - openedNanos >= FLUSH_INTERVAL_NANOS) flushAll();
  }

  @Override
  public void flushAll() {
    if (traces == 0) return;
    List<IntakeTraceWriter.Group> all = new ArrayList<>(groups.values());
    byte[] body = IntakeTraceWriter.agentPayload(hostname, env, agentVersion, all);
    Set<String> languages = new LinkedHashSet<>();
    for (IntakeTraceWriter.Group g : all) {
      if (!g.tracer().language().isEmpty()) languages.add(g.tracer().language());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/x-protobuf");
    headers.put("X-Datadog-Reported-Languages", String.join("|", languages));
    Payload p = new Payload(PayloadKind.INTAKE_TRACES, body, false, headers, traces, spanIds.toArray(), receipts.build());
    for (IntakeTraceWriter.Group g : all) {
      g.chunks().reset();
      if (pool.size() < 2) pool.addLast(g.chunks());
    }
    groups.clear();
    spanIds.clear();
    traces = 0;
    pendingBytes = 0;
    emit.accept(p);
  }
}
