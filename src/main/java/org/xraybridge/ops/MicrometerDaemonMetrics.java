package org.xraybridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.xraybridge.source.daemon.DaemonLevels;
import org.xraybridge.source.daemon.DaemonMetrics;
import org.xraybridge.source.daemon.DatagramOutcome;

/**
 * The X-Ray daemon input's counts as Micrometer meters, all registered at construction for every tag
 * value, so dashboards see zeros rather than gaps (Prometheus names):
 *
 * <ul>
 *   <li>{@code bridge_daemon_datagrams_total{outcome}} — every datagram read from the socket
 *   <li>{@code bridge_daemon_documents_total{outcome}} — what became of every accepted document
 *   <li>{@code bridge_daemon_traces_flushed_total{reason}} — chunks assembled and converted
 *   <li>{@code bridge_daemon_relay_total{outcome=sent|failed|skipped}} — datagrams relayed to a real daemon
 *   <li>gauges {@code bridge_daemon_buffered_traces|documents|bytes}, {@code bridge_daemon_queued_datagrams},
 *       {@code bridge_daemon_context_bytes}
 *   <li>{@code bridge_daemon_kernel_dropped_total} — datagrams the kernel dropped for the socket (Linux)
 * </ul>
 *
 * <p>Reconciliation, exact once the hand-off is empty: {@code Σ datagrams{outcome} = datagrams read},
 * {@code datagrams{outcome="accepted"} = Σ documents{outcome} + queued + buffered documents}. Spans of
 * chunks dropped while the merge stage was full are in the ledger
 * ({@code bridge_spans_dropped_total{stage="receive"}}). {@link #totals()} is what health shows.
 */
public final class MicrometerDaemonMetrics implements DaemonMetrics {

  /**
   * The counts since start, by tag value (only values above zero in the maps).
   *
   * @param datagramsReceived every datagram read from the socket
   * @param datagramsAccepted datagrams whose document was taken for assembly
   * @param datagramsRejected the others, by outcome
   * @param documents what became of accepted documents, by outcome
   * @param flushes chunks converted, by reason
   * @param relayed datagrams relayed to {@code relayTo}
   * @param relayErrors relay writes that failed, or were refused because the relay backlog was full
   * @param relaySkipped oversize datagrams not relayed (the read cut them)
   */
  public record Totals(
      long datagramsReceived,
      long datagramsAccepted,
      Map<String, Long> datagramsRejected,
      Map<String, Long> documents,
      Map<String, Long> flushes,
      long relayed,
      long relayErrors,
      long relaySkipped) {

    public Totals {
      datagramsRejected = Map.copyOf(datagramsRejected);
      documents = Map.copyOf(documents);
      flushes = Map.copyOf(flushes);
    }

    /** Datagrams rejected for any reason. */
    public long datagramsRejectedTotal() {
      long sum = 0;
      for (long v : datagramsRejected.values()) sum += v;
      return sum;
    }
  }

  private final EnumMap<DatagramOutcome, Counter> datagrams = new EnumMap<>(DatagramOutcome.class);
  private final EnumMap<DocumentOutcome, Counter> documents = new EnumMap<>(DocumentOutcome.class);
  private final EnumMap<FlushReason, Counter> flushes = new EnumMap<>(FlushReason.class);
  private final EnumMap<RelayOutcome, Counter> relay = new EnumMap<>(RelayOutcome.class);
  private volatile Supplier<DaemonLevels> buffered = () -> DaemonLevels.EMPTY;
  private volatile LongSupplier queued = () -> 0;
  private volatile LongSupplier kernelDropped = () -> 0;

  public MicrometerDaemonMetrics(MeterRegistry registry) {
    for (DatagramOutcome o : DatagramOutcome.values()) {
      datagrams.put(o, Counter.builder("bridge.daemon.datagrams")
          .description("Datagrams read from the X-Ray daemon port, by outcome").tag("outcome", o.tag()).register(registry));
    }
    for (DocumentOutcome o : DocumentOutcome.values()) {
      documents.put(o, Counter.builder("bridge.daemon.documents")
          .description("What became of the segment documents the daemon port accepted").tag("outcome", o.tag())
          .register(registry));
    }
    for (FlushReason r : FlushReason.values()) {
      flushes.put(r, Counter.builder("bridge.daemon.traces.flushed")
          .description("Chunks of X-Ray daemon traces assembled and converted, by reason").tag("reason", r.tag())
          .register(registry));
    }
    for (RelayOutcome o : RelayOutcome.values()) {
      relay.put(o, Counter.builder("bridge.daemon.relay")
          .description("Datagrams relayed unchanged to a real X-Ray daemon").tag("outcome", o.tag()).register(registry));
    }
    gauge(registry, "bridge.daemon.buffered.traces", "Traces assembling, held in progress or waiting for the merge stage",
        DaemonLevels::tracesBuffered);
    gauge(registry, "bridge.daemon.buffered.documents", "Documents assembling, held in progress or waiting for the merge stage",
        DaemonLevels::documentsBuffered);
    gauge(registry, "bridge.daemon.buffered.bytes", "Document bytes assembling, held in progress or waiting for the merge stage",
        DaemonLevels::bytesBuffered);
    Gauge.builder("bridge.daemon.queued.datagrams", this, m -> m.queued.getAsLong())
        .description("Datagrams handed off by the network thread, not yet assembled").strongReference(true).register(registry);
    gauge(registry, "bridge.daemon.context.bytes", "Bytes of delivered documents kept as context for late pieces",
        DaemonLevels::contextBytes);
    FunctionCounter.builder("bridge.daemon.kernel.dropped", this, m -> m.kernelDropped.getAsLong())
        .description("Datagrams the kernel dropped for the daemon port (receive buffer full; Linux only)").register(registry);
  }

  private void gauge(MeterRegistry registry, String name, String description, ToLongFunction<DaemonLevels> level) {
    Gauge.builder(name, this, m -> level.applyAsLong(m.buffered.get())).description(description).strongReference(true)
        .register(registry);
  }

  @Override
  public void datagram(DatagramOutcome outcome) {
    datagrams.get(outcome).increment();
  }

  @Override
  public void documents(DocumentOutcome outcome, long count) {
    if (count > 0) documents.get(outcome).increment(count);
  }

  @Override
  public void flushed(FlushReason reason) {
    flushes.get(reason).increment();
  }

  @Override
  public void relay(RelayOutcome outcome) {
    relay.get(outcome).increment();
  }

  @Override
  public void levels(Supplier<DaemonLevels> buffered, LongSupplier queuedDatagrams, LongSupplier kernelDropped) {
    this.buffered = buffered;
    this.queued = queuedDatagrams;
    this.kernelDropped = kernelDropped;
  }

  /** The counts since start, read from the meters. */
  public Totals totals() {
    long received = 0;
    long accepted = 0;
    Map<String, Long> rejected = new TreeMap<>();
    for (DatagramOutcome o : DatagramOutcome.values()) {
      long v = count(datagrams.get(o));
      received += v;
      if (o == DatagramOutcome.ACCEPTED) accepted = v;
      else if (v > 0) rejected.put(o.tag(), v);
    }
    return new Totals(received, accepted, rejected, byTag(documents), byTag(flushes),
        count(relay.get(RelayOutcome.SENT)), count(relay.get(RelayOutcome.FAILED)), count(relay.get(RelayOutcome.SKIPPED)));
  }

  private static <E extends Enum<E>> Map<String, Long> byTag(EnumMap<E, Counter> counters) {
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<E, Counter> e : counters.entrySet()) {
      long v = count(e.getValue());
      if (v > 0) out.put(e.getKey().name().toLowerCase(Locale.ROOT), v);
    }
    return out;
  }

  private static long count(Counter c) {
    return (long) c.count();
  }
}
