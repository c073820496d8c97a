package org.xraybridge.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.concurrent.atomic.LongAdder;
import org.xraybridge.receiver.ReceiverMetrics;

/**
 * The receiver's counts, as Prometheus reads them and as health shows them ({@link #counts()}). Every
 * counter is registered at start-up, so a dashboard sees zeros rather than gaps:
 *
 * <ul>
 *   <li>{@code bridge_receiver_requests_total} — HTTP requests, any path
 *   <li>{@code bridge_receiver_requests_refused_total{reason}} — {@code malformed} (400, 415),
 *       {@code oversized} (413), {@code overloaded} (429, or 200 as the Agent), {@code timed_out} (408),
 *       {@code not_found} (404, 405), {@code forbidden} (403), {@code aborted} (the client closed the
 *       connection mid-body)
 *   <li>{@code bridge_receiver_info_requests_total}, {@code bridge_receiver_stats_payloads_total}
 *   <li>{@code bridge_receiver_trace_payloads_total{outcome}} — {@code decoded}, {@code accepted} (the
 *       next stage took their spans), {@code refused} (before decoding, so their spans are not in the
 *       ledger); {@code bridge_receiver_traces_refused_total} sums the refused ones' trace counts
 *   <li>{@code bridge_receiver_spans_accepted_total}, {@code bridge_receiver_trace_count_mismatches_total}
 * </ul>
 *
 * Connections are counted by {@link MicrometerConnectionMetrics}.
 *
 * Thread-safe, non-blocking.
 */
public final class MicrometerReceiverMetrics implements ReceiverMetrics {

  private final LongAdder requests = new LongAdder();
  private final EnumMap<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);
  private final LongAdder infoRequests = new LongAdder();
  private final LongAdder tracePayloads = new LongAdder();
  private final LongAdder acceptedPayloads = new LongAdder();
  private final LongAdder acceptedSpans = new LongAdder();
  private final LongAdder refusedPayloads = new LongAdder();
  private final LongAdder refusedTraces = new LongAdder();
  private final LongAdder traceCountMismatches = new LongAdder();
  private final LongAdder statsPayloads = new LongAdder();

  public MicrometerReceiverMetrics(MeterRegistry registry) {
    register(registry, "bridge.receiver.requests", "HTTP requests to the receiver, any path", requests);
    for (Refusal r : Refusal.values()) {
      LongAdder a = new LongAdder();
      refused.put(r, a);
      FunctionCounter.builder("bridge.receiver.requests.refused", a, LongAdder::sum)
          .description("Requests the receiver refused, by reason").tag("reason", r.tag()).register(registry);
    }
    register(registry, "bridge.receiver.info.requests", "GET /info answered", infoRequests);
    payloads(registry, "decoded", tracePayloads);
    payloads(registry, "accepted", acceptedPayloads);
    payloads(registry, "refused", refusedPayloads);
    register(registry, "bridge.receiver.traces.refused", "X-Datadog-Trace-Count of trace payloads refused before decoding", refusedTraces);
    register(registry, "bridge.receiver.spans.accepted", "Spans of trace payloads the next stage took", acceptedSpans);
    register(registry, "bridge.receiver.trace.count.mismatches", "Payloads whose X-Datadog-Trace-Count disagreed with the body", traceCountMismatches);
    register(registry, "bridge.receiver.stats.payloads", "/v0.6/stats bodies handed on", statsPayloads);
  }

  @Override
  public void incrementRequests() {
    requests.increment();
  }

  @Override
  public void requestRefused(Refusal why) {
    refused.get(why).increment();
  }

  @Override
  public void incrementInfoRequests() {
    infoRequests.increment();
  }

  @Override
  public void incrementTracePayloads() {
    tracePayloads.increment();
  }

  @Override
  public void incrementAcceptedPayloads(long spans) {
    acceptedPayloads.increment();
    acceptedSpans.add(spans);
  }

  @Override
  public void incrementRefusedPayloads(long declaredTraces) {
    refusedPayloads.increment();
    if (declaredTraces > 0) refusedTraces.add(declaredTraces);
  }

  @Override
  public void incrementTraceCountMismatches() {
    traceCountMismatches.increment();
  }

  @Override
  public void incrementStatsPayloads() {
    statsPayloads.increment();
  }


  /** The totals since start, under the names the receiver's health component shows. */
  public Counts counts() {
    return new Counts(requests.sum(), infoRequests.sum(), tracePayloads.sum(), acceptedPayloads.sum(), acceptedSpans.sum(),
        refused(Refusal.MALFORMED), refused(Refusal.OVERSIZED), refused(Refusal.OVERLOADED), refusedPayloads.sum(),
        refusedTraces.sum(), refused(Refusal.TIMED_OUT), refused(Refusal.NOT_FOUND), refused(Refusal.FORBIDDEN),
        refused(Refusal.ABORTED), traceCountMismatches.sum(), statsPayloads.sum());
  }

  /**
   * The receiver's counts; see {@link ReceiverMetrics} for what each method counts.
   *
   * @param malformedRequests answered 400 or 415
   * @param oversizedRequests answered 413
   * @param overloadedRequests trace or stats requests the pipeline could not take (429, or 200 as the Agent)
   * @param refusedPayloads trace payloads refused before decoding, so their spans are not in the ledger
   * @param refusedTraces their {@code X-Datadog-Trace-Count}
   * @param timedOutRequests answered 408
   * @param notFoundRequests answered 404 or 405
   * @param forbiddenRequests answered 403
   * @param abortedRequests bodies the client stopped sending by closing the connection
   */
  public record Counts(
      long requests,
      long infoRequests,
      long tracePayloads,
      long acceptedPayloads,
      long acceptedSpans,
      long malformedRequests,
      long oversizedRequests,
      long overloadedRequests,
      long refusedPayloads,
      long refusedTraces,
      long timedOutRequests,
      long notFoundRequests,
      long forbiddenRequests,
      long abortedRequests,
      long traceCountMismatches,
      long statsPayloads) {}

  private long refused(Refusal r) {
    return refused.get(r).sum();
  }

  private static void payloads(MeterRegistry registry, String outcome, LongAdder adder) {
    FunctionCounter.builder("bridge.receiver.trace.payloads", adder, LongAdder::sum)
        .description("Trace payloads by outcome: decoded, accepted (spans taken), refused (before decoding)")
        .tag("outcome", outcome).register(registry);
  }

  private static void register(MeterRegistry registry, String name, String description, LongAdder adder) {
    FunctionCounter.builder(name, adder, LongAdder::sum).description(description).register(registry);
  }
}
