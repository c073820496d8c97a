package org.xraybridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import org.xraybridge.forward.ForwardMetrics;

/**
 * The forward stage's counters, registered up front so they read 0 before the first event:
 * {@code bridge_forward_payloads_total{outcome}} (sent, rejected, spooled), {@code
 * bridge_forward_error_traces_rescued_total} and {@code bridge_forward_stats_spans_left_out_total};
 * and what the {@code forward} health component shows of them.
 */
public final class MicrometerForwardMetrics implements ForwardMetrics {

  private final EnumMap<PayloadOutcome, Counter> payloads = new EnumMap<>(PayloadOutcome.class);
  private final Counter rescued;
  private final Counter statsLeftOut;

  public MicrometerForwardMetrics(MeterRegistry registry) {
    for (PayloadOutcome o : PayloadOutcome.values()) {
      payloads.put(o, Counter.builder("bridge.forward.payloads").description("Payloads by how they left a sender")
          .tag("outcome", o.tag()).register(registry));
    }
    rescued = Counter.builder("bridge.forward.error.traces.rescued")
        .description("Sampled-out traces with an error sent to the intake anyway (the Agent's errors sampler)").register(registry);
    statsLeftOut = Counter.builder("bridge.forward.stats.spans.left.out")
        .description("Spans left out of the APM stats because the concentrator held its bound of groups").register(registry);
  }

  @Override
  public void payload(PayloadOutcome outcome) {
    payloads.get(outcome).increment();
  }

  @Override
  public void errorTraceRescued() {
    rescued.increment();
  }

  @Override
  public void statsSpansLeftOut(int spans) {
    statsLeftOut.increment(spans);
  }

  /** Payloads with {@code outcome} since start. */
  public long payloads(PayloadOutcome outcome) {
    return (long) payloads.get(outcome).count();
  }

  /** Sampled-out error traces sent anyway since start. */
  public long errorTracesRescued() {
    return (long) rescued.count();
  }
}
