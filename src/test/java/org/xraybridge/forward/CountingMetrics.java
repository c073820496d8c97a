package org.xraybridge.forward;

import java.util.EnumMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts what the forward stage reports to its metrics port. Thread-safe. */
final class CountingMetrics implements ForwardMetrics {
  private final EnumMap<PayloadOutcome, LongAdder> payloads = new EnumMap<>(PayloadOutcome.class);
  private final LongAdder rescued = new LongAdder();
  private final LongAdder statsLeftOut = new LongAdder();

  CountingMetrics() {
    for (PayloadOutcome o : PayloadOutcome.values()) payloads.put(o, new LongAdder());
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
    statsLeftOut.add(spans);
  }

  long payloads(PayloadOutcome outcome) {
    return payloads.get(outcome).sum();
  }

  long errorTracesRescued() {
    return rescued.sum();
  }
}
