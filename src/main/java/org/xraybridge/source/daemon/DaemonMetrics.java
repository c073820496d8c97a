package org.xraybridge.source.daemon;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon input's own counters, beside the drop ledger (which counts spans and rejected
 * documents). All are registered once, at construction, for every tag value, so dashboards see zeros
 * rather than gaps.
 *
 * <ul>
 *   <li>{@code bridge.daemon.datagrams{outcome}} — every datagram read from the socket, by
 *       {@link DatagramOutcome}
 *   <li>{@code bridge.daemon.documents{outcome}} — what became of every accepted document, by
 *       {@link DocumentOutcome}
 *   <li>{@code bridge.daemon.traces.flushed{reason}} — chunks assembled and converted, by
 *       {@link FlushReason} ({@code early} = forced by a cap)
 *   <li>{@code bridge.daemon.relay{outcome}} — datagrams relayed to a real daemon: {@code sent},
 *       {@code failed} (write error or relay backlog full), {@code skipped} (oversize: cut by the read,
 *       so it cannot be relayed unchanged)
 *   <li>gauges {@code bridge.daemon.buffered.traces|documents|bytes} (assembling, held in progress,
 *       or waiting for the merge stage), {@code bridge.daemon.queued.datagrams} (hand-off from the
 *       network thread), {@code bridge.daemon.context.bytes} (delivered documents kept as context)
 *   <li>{@code bridge.daemon.kernel.dropped} — datagrams the kernel dropped for this socket (Linux,
 *       registered by the listener)
 * </ul>
 *
 * <p>Reconciliation, exact once the hand-off is empty:
 * <pre>
 *   datagrams received            = Σ datagrams{outcome}
 *   datagrams{outcome="accepted"} = Σ documents{outcome} + queued + buffered documents
 * </pre>
 * Spans of chunks dropped while the merge stage was full are counted by the ledger as
 * {@code bridge_spans_dropped_total{stage="receive",reason="overloaded"|"shutdown"}}.
 *
 * <p>Thread-safe. Rejected datagrams are logged as one aggregate line a minute at most.
 */
final class DaemonMetrics {

  private static final Logger log = LoggerFactory.getLogger(DaemonMetrics.class);
  private static final long LOG_EVERY_NANOS = 60_000_000_000L;

  /** What became of an accepted document. Tag values are the lower-case names. */
  enum DocumentOutcome {
    /** Its chunk was accepted by the merge stage (spans are counted received there). */
    DELIVERED,
    /** The converter rejected it with a counted reason (ledger {@code bridge_documents_rejected_total}). */
    REJECTED,
    /** An in-progress version replaced by a later version with the same id. */
    SUPERSEDED,
    /** A complete document whose id was already buffered or delivered (ledger {@code duplicate_id}). */
    DUPLICATE,
    /** Its chunk was dropped because the merge stage stayed full beyond the caps (spans in the ledger). */
    DROPPED_OVERLOADED,
    /** In progress and never completed, and the converter would not emit it: evicted at a cap or given up. */
    DROPPED_IN_PROGRESS,
    /** Still buffered when a stop ran out of time. */
    DROPPED_SHUTDOWN,
    /** The converter or the merge stage failed unexpectedly (a bug; logged). */
    DROPPED_ERROR;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Why a chunk was assembled and converted. */
  enum FlushReason {
    /** The trace has a segment and nothing arrived for the quiet period. */
    QUIET,
    /** The assembly window since the first piece closed. */
    WINDOW,
    /** Independent subsegments whose segment never came: the orphan window closed. */
    ORPHAN,
    /** A cap was reached and this was the oldest trace. */
    EARLY,
    /** A held in-progress document reached its timeout. */
    IN_PROGRESS,
    /** The listener is stopping. */
    STOP;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final LongAdder received = new LongAdder();
  private final EnumMap<DatagramOutcome, Counter> datagrams = new EnumMap<>(DatagramOutcome.class);
  private final EnumMap<DatagramOutcome, LongAdder> datagramTotals = new EnumMap<>(DatagramOutcome.class);
  private final EnumMap<DatagramOutcome, LongAdder> rejectedSinceLog = new EnumMap<>(DatagramOutcome.class);
  private final EnumMap<DocumentOutcome, Counter> documents = new EnumMap<>(DocumentOutcome.class);
  private final EnumMap<DocumentOutcome, LongAdder> documentTotals = new EnumMap<>(DocumentOutcome.class);
  private final EnumMap<FlushReason, Counter> flushes = new EnumMap<>(FlushReason.class);
  private final EnumMap<FlushReason, LongAdder> flushTotals = new EnumMap<>(FlushReason.class);
  private final Counter relaySent;
  private final Counter relayFailed;
  private final Counter relaySkipped;
  private final LongAdder relaySentTotal = new LongAdder();
  private final LongAdder relayFailedTotal = new LongAdder();
  private final LongAdder relaySkippedTotal = new LongAdder();
  /** Written by the assembler thread only; read by gauges and status. */
  final AtomicLong bufferedTraces = new AtomicLong();
  final AtomicLong bufferedDocuments = new AtomicLong();
  final AtomicLong bufferedBytes = new AtomicLong();
  final AtomicLong awaitingChunks = new AtomicLong();
  final AtomicLong heldInProgress = new AtomicLong();
  final AtomicLong contextTraces = new AtomicLong();
  final AtomicLong contextBytes = new AtomicLong();
  /** Written by the network thread (add) and the assembler (remove). */
  final AtomicLong queuedDatagrams = new AtomicLong();
  final AtomicLong queuedBytes = new AtomicLong();
  /** Epoch millis of the last datagram read; 0 = none yet. */
  final AtomicLong lastDatagramMillis = new AtomicLong();
  private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime());

  DaemonMetrics(MeterRegistry registry) {
    for (DatagramOutcome o : DatagramOutcome.values()) {
      datagrams.put(o, Counter.builder("bridge.daemon.datagrams")
          .description("Datagrams read from the X-Ray daemon port, by outcome").tag("outcome", o.tag()).register(registry));
      datagramTotals.put(o, new LongAdder());
      rejectedSinceLog.put(o, new LongAdder());
    }
    for (DocumentOutcome o : DocumentOutcome.values()) {
      documents.put(o, Counter.builder("bridge.daemon.documents")
          .description("What became of the segment documents the daemon port accepted").tag("outcome", o.tag())
          .register(registry));
      documentTotals.put(o, new LongAdder());
    }
    for (FlushReason r : FlushReason.values()) {
      flushes.put(r, Counter.builder("bridge.daemon.traces.flushed")
          .description("Chunks of X-Ray daemon traces assembled and converted, by reason").tag("reason", r.tag())
          .register(registry));
      flushTotals.put(r, new LongAdder());
    }
    relaySent = relayCounter(registry, "sent");
    relayFailed = relayCounter(registry, "failed");
    relaySkipped = relayCounter(registry, "skipped");
    gauge(registry, "bridge.daemon.buffered.traces", "Traces assembling, held in progress or waiting for the merge stage", bufferedTraces);
    gauge(registry, "bridge.daemon.buffered.documents", "Documents assembling, held in progress or waiting for the merge stage", bufferedDocuments);
    gauge(registry, "bridge.daemon.buffered.bytes", "Document bytes assembling, held in progress or waiting for the merge stage", bufferedBytes);
    gauge(registry, "bridge.daemon.queued.datagrams", "Datagrams handed off by the network thread, not yet assembled", queuedDatagrams);
    gauge(registry, "bridge.daemon.context.bytes", "Bytes of delivered documents kept as context for late pieces", contextBytes);
  }

  void received() {
    received.increment();
  }

  void datagram(DatagramOutcome outcome) {
    datagrams.get(outcome).increment();
    datagramTotals.get(outcome).increment();
    if (outcome != DatagramOutcome.ACCEPTED) rejectedSinceLog.get(outcome).increment();
  }

  void documents(DocumentOutcome outcome, long count) {
    if (count <= 0) return;
    documents.get(outcome).increment(count);
    documentTotals.get(outcome).add(count);
  }

  void flushed(FlushReason reason) {
    flushes.get(reason).increment();
    flushTotals.get(reason).increment();
  }

  void relaySent() {
    relaySent.increment();
    relaySentTotal.increment();
  }

  void relayFailed() {
    relayFailed.increment();
    relayFailedTotal.increment();
  }

  void relaySkipped() {
    relaySkipped.increment();
    relaySkippedTotal.increment();
  }

  long receivedTotal() {
    return received.sum();
  }

  long datagrams(DatagramOutcome outcome) {
    return datagramTotals.get(outcome).sum();
  }

  long documents(DocumentOutcome outcome) {
    return documentTotals.get(outcome).sum();
  }

  long flushes(FlushReason reason) {
    return flushTotals.get(reason).sum();
  }

  long relaySentTotal() {
    return relaySentTotal.sum();
  }

  long relayFailedTotal() {
    return relayFailedTotal.sum();
  }

  long relaySkippedTotal() {
    return relaySkippedTotal.sum();
  }

  /** Rejected datagrams by outcome tag, only those above zero. */
  Map<String, Long> rejectedByOutcome() {
    Map<String, Long> m = new TreeMap<>();
    for (DatagramOutcome o : DatagramOutcome.values()) {
      long v = datagramTotals.get(o).sum();
      if (o != DatagramOutcome.ACCEPTED && v > 0) m.put(o.tag(), v);
    }
    return m;
  }

  /** Document outcomes by tag, only those above zero. */
  Map<String, Long> documentsByOutcome() {
    Map<String, Long> m = new TreeMap<>();
    for (DocumentOutcome o : DocumentOutcome.values()) {
      long v = documentTotals.get(o).sum();
      if (v > 0) m.put(o.tag(), v);
    }
    return m;
  }

  /** Flushes by reason tag, only those above zero. */
  Map<String, Long> flushesByReason() {
    Map<String, Long> m = new TreeMap<>();
    for (FlushReason r : FlushReason.values()) {
      long v = flushTotals.get(r).sum();
      if (v > 0) m.put(r.tag(), v);
    }
    return m;
  }

  /** Logs the datagrams rejected since the last line, at most once a minute (called by the assembler thread). */
  void maybeLogRejections(long nowNanos) {
    long last = lastLogNanos.get();
    if (nowNanos - last < LOG_EVERY_NANOS || !lastLogNanos.compareAndSet(last, nowNanos)) return;
    logRejections();
  }

  void logRejections() {
    StringBuilder line = new StringBuilder();
    for (DatagramOutcome o : DatagramOutcome.values()) {
      long v = rejectedSinceLog.get(o).sumThenReset();
      if (v > 0) {
        if (line.length() > 0) line.append(", ");
        line.append(o.tag()).append('=').append(v);
      }
    }
    if (line.length() > 0) log.warn("X-Ray daemon port rejected datagrams since the last report: {}", line);
  }

  private static Counter relayCounter(MeterRegistry registry, String outcome) {
    return Counter.builder("bridge.daemon.relay")
        .description("Datagrams relayed unchanged to a real X-Ray daemon").tag("outcome", outcome).register(registry);
  }

  private static void gauge(MeterRegistry registry, String name, String description, AtomicLong value) {
    Gauge.builder(name, value, AtomicLong::get).description(description).strongReference(true).register(registry);
  }
}
