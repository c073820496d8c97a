package org.xraybridge.forward;

import org.xraybridge.model.MetricTag;

/**
 * What the forward stage counts besides spans (spans are the ledger's: {@code model.Ledger}).
 * Implemented in {@code ops}; every method is cheap and never throws, and is called from the
 * sender threads and under the assembly lock.
 */
public interface ForwardMetrics {

  /** How a payload left a sender. */
  enum PayloadOutcome implements MetricTag {
    /** The next hop acknowledged it with a 2xx. */
    SENT,
    /** Answered with a non-retryable status, or of a kind the configured target cannot take. */
    REJECTED,
    /** A fresh payload written to the spool after its attempts failed or the circuit was open. */
    SPOOLED
  }

  /** One payload had this outcome. */
  void payload(PayloadOutcome outcome);

  /** Intake: a sampled-out trace with an error was sent anyway (the Agent's errors sampler). */
  void errorTraceRescued();

  /** Intake: spans left out of the APM stats because the concentrator held its bound of groups. */
  void statsSpansLeftOut(int spans);

  /** Counts nothing. */
  ForwardMetrics NOOP = new ForwardMetrics() {
    @Override
    public void payload(PayloadOutcome outcome) {}

    @Override
    public void errorTraceRescued() {}

    @Override
    public void statsSpansLeftOut(int spans) {}
  };
}
