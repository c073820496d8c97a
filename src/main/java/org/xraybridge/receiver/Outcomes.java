package org.xraybridge.receiver;

import java.time.Clock;
import java.time.Instant;
import org.xraybridge.model.LastError;
import org.xraybridge.receiver.ReceiverMetrics.Refusal;

/**
 * What happened to requests: counted in the {@link ReceiverMetrics}, and the last acceptance and the
 * last error kept for the {@link ReceiverStatus}, so one call records both. Thread-safe.
 */
final class Outcomes {

  private final ReceiverMetrics metrics;
  private final Clock clock;
  private volatile Instant lastAcceptedAt = Instant.EPOCH;
  private volatile LastError lastError = LastError.NONE;

  Outcomes(ReceiverMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  ReceiverMetrics metrics() {
    return metrics;
  }

  /** A request refused for {@code why}; {@code text} says how, for the status. */
  void refused(Refusal why, String text) {
    metrics.requestRefused(why);
    failed(text);
  }

  /** Something went wrong that is no refusal of the request (an internal error, a connection refused). */
  void failed(String text) {
    lastError = new LastError(text, clock.instant());
  }

  /** The next stage took {@code spans} (≥ 1) of a trace payload. */
  void accepted(long spans) {
    metrics.incrementAcceptedPayloads(spans);
    lastAcceptedAt = clock.instant();
  }

  Instant lastAcceptedAt() {
    return lastAcceptedAt;
  }

  LastError lastError() {
    return lastError;
  }
}
