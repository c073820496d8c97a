package org.xraybridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;

/**
 * The one drop ledger: every span and segment document that enters the bridge is counted here, and
 * so is every way one leaves it. Counters are registered once, at start-up, for every stage × reason,
 * so a dashboard sees zeros rather than gaps.
 *
 * <p>Metrics (Prometheus names):
 *
 * <ul>
 *   <li>{@code bridge_spans_received_total{half}} — spans taken in: {@code native} (receiver),
 *       {@code xray_poll}, {@code xray_daemon}, {@code xray_logs} (accepted by the merge stage)
 *   <li>{@code bridge_spans_recovered_total} — spans found in the disk spool at start-up
 *   <li>{@code bridge_spans_forwarded_total} — spans the next hop acknowledged
 *   <li>{@code bridge_spans_dropped_total{stage,reason}} — spans that left without being forwarded
 *   <li>{@code bridge_documents_rejected_total{half,reason}} — segment documents (or nested parts) that
 *       yielded no span
 *   <li>{@code bridge_repairs_total{what}} — small problems repaired and kept
 *   <li>{@code bridge_cluster_spans_produced_total{half}}, {@code bridge_cluster_spans_consumed_total{half}} —
 *       kafka mode: spans put on the spans topic (acknowledged) and read from it by this replica
 *   <li>{@code bridge_spans_in_flight} — what the merge batch, the forward queue, the senders and the
 *       spool hold now (a gauge registered by the wiring)
 * </ul>
 *
 * <p>Reconciliation, exact at every instant and asserted by the end-to-end tests and the load bench:
 * {@code Σ received + recovered + Σ consumed = forwarded + Σ produced + Σ dropped + in_flight} (the
 * Kafka terms are zero in single mode).
 *
 * <p>Drops are logged as one aggregate line per minute at most (never per span), WARN when any.
 * Thread-safe, non-blocking.
 */
public final class DropLedger implements Ledger {

  private static final Logger log = LoggerFactory.getLogger(DropLedger.class);
  /** Repair kinds with a counter of their own; anything else is counted as {@code other}. */
  private static final String[] REPAIRS = {
    "negative_duration", "absurd_start", "in_progress_expired", "control_characters", "metadata_truncated",
    "malformed_cause", "bad_link", "bad_datadog_metadata", "wrong_type", "invalid_utf8", "other"
  };

  private final EnumMap<Half, Counter> received = new EnumMap<>(Half.class);
  private final EnumMap<Half, LongAdder> receivedTotal = new EnumMap<>(Half.class);
  private final Counter recovered;
  private final LongAdder recoveredTotal = new LongAdder();
  private final Counter forwarded;
  private final LongAdder forwardedTotal = new LongAdder();
  private final EnumMap<Half, Counter> produced = new EnumMap<>(Half.class);
  private final EnumMap<Half, Counter> consumed = new EnumMap<>(Half.class);
  private final LongAdder producedTotal = new LongAdder();
  private final LongAdder consumedTotal = new LongAdder();
  private final Counter[][] dropped = new Counter[Stage.values().length][Reason.values().length];
  private final LongAdder[][] droppedTotal = new LongAdder[Stage.values().length][Reason.values().length];
  private final Counter[][] rejected = new Counter[Half.values().length][DocumentReason.values().length];
  private final LongAdder rejectedTotal = new LongAdder();
  private final Map<String, Counter> repairs = new java.util.HashMap<>();
  private final LongAdder[][] droppedSinceLog = new LongAdder[Stage.values().length][Reason.values().length];
  private final AtomicLong lastLogMillis;
  private final Clock clock;
  private final Duration logEvery;

  public DropLedger(MeterRegistry registry, Clock clock, Duration logEvery) {
    this.clock = clock;
    this.logEvery = logEvery;
    this.lastLogMillis = new AtomicLong(clock.millis());
    for (Half h : Half.values()) {
      received.put(h, Counter.builder("bridge.spans.received").description("Spans taken in, by half").tag("half", h.tag()).register(registry));
      receivedTotal.put(h, new LongAdder());
    }
    recovered = Counter.builder("bridge.spans.recovered").description("Spans found in the disk spool at start-up").register(registry);
    forwarded = Counter.builder("bridge.spans.forwarded").description("Spans the next hop acknowledged").register(registry);
    for (Half h : Half.values()) {
      produced.put(h, Counter.builder("bridge.cluster.spans.produced")
          .description("Kafka mode: spans this replica put on the spans topic, acknowledged").tag("half", h.tag()).register(registry));
      consumed.put(h, Counter.builder("bridge.cluster.spans.consumed")
          .description("Kafka mode: spans this replica read from the spans topic").tag("half", h.tag()).register(registry));
    }
    for (Stage s : Stage.values()) {
      for (Reason r : Reason.values()) {
        dropped[s.ordinal()][r.ordinal()] = Counter.builder("bridge.spans.dropped")
            .description("Spans that left the pipeline without being forwarded")
            .tag("stage", s.name().toLowerCase(Locale.ROOT)).tag("reason", r.tag()).register(registry);
        droppedTotal[s.ordinal()][r.ordinal()] = new LongAdder();
        droppedSinceLog[s.ordinal()][r.ordinal()] = new LongAdder();
      }
    }
    for (Half h : Half.values()) {
      if (!h.isXRay()) continue;
      for (DocumentReason r : DocumentReason.values()) {
        rejected[h.ordinal()][r.ordinal()] = Counter.builder("bridge.documents.rejected")
            .description("Segment documents (or parts) that yielded no span")
            .tag("half", h.tag()).tag("reason", r.tag()).register(registry);
      }
    }
    for (String what : REPAIRS) {
      repairs.put(what, Counter.builder("bridge.repairs").description("Small problems repaired and kept").tag("what", what).register(registry));
    }
  }

  @Override
  public void received(Half half, long spans) {
    if (spans <= 0) return;
    received.get(half).increment(spans);
    receivedTotal.get(half).add(spans);
  }

  @Override
  public void recovered(long spans) {
    if (spans <= 0) return;
    recovered.increment(spans);
    recoveredTotal.add(spans);
  }

  @Override
  public void forwarded(long spans) {
    if (spans <= 0) return;
    forwarded.increment(spans);
    forwardedTotal.add(spans);
  }

  @Override
  public void dropped(Stage stage, Reason reason, long spans) {
    if (spans <= 0) return;
    dropped[stage.ordinal()][reason.ordinal()].increment(spans);
    droppedTotal[stage.ordinal()][reason.ordinal()].add(spans);
    droppedSinceLog[stage.ordinal()][reason.ordinal()].add(spans);
    maybeLog();
  }

  @Override
  public void produced(Half half, long spans) {
    if (spans <= 0) return;
    produced.get(half).increment(spans);
    producedTotal.add(spans);
  }

  @Override
  public void consumed(Half half, long spans) {
    if (spans <= 0) return;
    consumed.get(half).increment(spans);
    consumedTotal.add(spans);
  }

  @Override
  public void documentRejected(Half half, DocumentReason reason) {
    Counter c = rejected[half.ordinal()][reason.ordinal()];
    if (c != null) c.increment();
    rejectedTotal.increment();
  }

  @Override
  public void repaired(String what) {
    int colon = what.indexOf(':');
    String kind = colon < 0 ? what : what.substring(0, colon);
    Counter c = repairs.get(kind);
    (c != null ? c : repairs.get("other")).increment();
  }

  /** Totals since start, for health details, tests and the load bench. */
  public Snapshot snapshot() {
    Map<String, Long> drops = new java.util.TreeMap<>();
    long droppedSum = 0;
    for (Stage s : Stage.values()) {
      for (Reason r : Reason.values()) {
        long v = droppedTotal[s.ordinal()][r.ordinal()].sum();
        if (v > 0) drops.put(s.name().toLowerCase(Locale.ROOT) + "." + r.tag(), v);
        droppedSum += v;
      }
    }
    return new Snapshot(
        receivedTotal.get(Half.NATIVE).sum(),
        receivedTotal.get(Half.XRAY_POLL).sum(),
        receivedTotal.get(Half.XRAY_DAEMON).sum(),
        receivedTotal.get(Half.XRAY_LOGS).sum(),
        recoveredTotal.sum(),
        forwardedTotal.sum(),
        droppedSum,
        drops,
        rejectedTotal.sum(),
        producedTotal.sum(),
        consumedTotal.sum());
  }

  /**
   * Ledger totals since start; {@code drops} by {@code stage.reason}, only those above zero; {@code
   * produced} and {@code consumed} the kafka mode's spans topic, out and in.
   */
  public record Snapshot(
      long receivedNative, long receivedXRayPoll, long receivedXRayDaemon, long receivedXRayLogs, long recovered,
      long forwarded, long dropped, Map<String, Long> drops, long documentsRejected, long produced, long consumed) {
    /** Spans taken in from outside this replica (the spans topic not included). */
    public long taken() {
      return receivedNative + receivedXRayPoll + receivedXRayDaemon + receivedXRayLogs + recovered;
    }
  }

  private void maybeLog() {
    long now = clock.millis();
    long last = lastLogMillis.get();
    if (now - last < logEvery.toMillis() || !lastLogMillis.compareAndSet(last, now)) return;
    logDrops();
  }

  /** Logs drops since the last log line, if any (also called at shutdown). */
  public void logDrops() {
    StringBuilder line = new StringBuilder();
    for (Stage s : Stage.values()) {
      for (Reason r : Reason.values()) {
        long v = droppedSinceLog[s.ordinal()][r.ordinal()].sumThenReset();
        if (v > 0) {
          if (line.length() > 0) line.append(", ");
          line.append(s.name().toLowerCase(Locale.ROOT)).append('/').append(r.tag()).append('=').append(v);
        }
      }
    }
    if (line.length() > 0) log.warn("dropped spans since the last report: {}", line);
  }
}
