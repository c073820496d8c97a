package org.xraybridge.passthrough;

import java.util.function.BooleanSupplier;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.model.MetricTag;

/**
 * What the pass-through counts, per {@link AgentEndpoint} family; implemented by the operations side.
 * Thread-safe, never blocks: called on event loops.
 */
public interface PassThroughMetrics {

  /** What became of one request. Tag values are the lower-case names. */
  enum Outcome implements MetricTag {
    /** Relayed to the Agent, which answered (whatever its status). */
    AGENT,
    /** Sent to Datadog's intake with the API key, which answered. */
    INTAKE,
    /** The next hop could not be reached or failed mid-way: 502, as the Agent's own proxies answer. */
    UNAVAILABLE,
    /** Answered as an Agent without that feature answers (404, or 405 where the Agent says "disabled"). */
    UNSUPPORTED,
    /** Not relayed as sent: a path no URL can carry, or a telemetry path in an encoded form no tracer sends (400). */
    REFUSED,
    /** The tracer's body failed (too slow, cut short) before the next hop answered: the receiver answers 408 or no one. */
    ABORTED
  }

  void request(AgentEndpoint family, Outcome outcome);

  /** Where a gauge reads whether the Agent answered its last {@code /info} read; called once. */
  void agentReachable(BooleanSupplier reachable);

  /** Counts nothing. */
  PassThroughMetrics NOOP = new PassThroughMetrics() {
    @Override
    public void request(AgentEndpoint family, Outcome outcome) {}

    @Override
    public void agentReachable(BooleanSupplier reachable) {}
  };
}
