package org.xraybridge.forward.intake;

import java.util.function.LongSupplier;

/**
 * The Agent's errors sampler for intake mode, in its simplest form: a trace the tracer sampled out
 * (priority 0) that holds an error is still sent, up to {@code perSecond} such traces a second. The
 * Agent does this with a per-signature score sampler (target 10 a second); without it, going
 * agentless would lose the error traces a team sees today. The trace keeps priority 0; its root gets
 * {@code _dd.errors_sr}, the share of such traces kept, which the backend reads as ingestion reason
 * "error" and as the weight of the trace.
 *
 * <p>One-second windows: the rate stamped is measured over the previous window (1 while it was within
 * the budget). Not thread-safe: used under the forwarder's assembly lock.
 */
public final class ErrorRescue {

  /** The root span metric the backend reads (the Agent's {@code errorsRateKey}). */
  public static final String RATE_METRIC = "_dd.errors_sr";
  private static final long WINDOW_NANOS = 1_000_000_000L;

  private final double perSecond;
  private final LongSupplier nanoTime;
  private long windowStart;
  private long seen;
  private long kept;
  private long seenBefore;

  /** {@code perSecond} 0 turns the rescue off. */
  public ErrorRescue(double perSecond, LongSupplier nanoTime) {
    if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException("perSecond must be a finite number ≥ 0, got " + perSecond);
    }
    this.perSecond = perSecond;
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  /**
   * A sampled-out trace with an error: the rate to stamp on its root when it is kept, or 0 when the
   * second's budget is spent.
   */
  public double offer() {
    if (perSecond == 0) return 0;
    long now = nanoTime.getAsLong();
    long elapsed = now - windowStart;
    if (elapsed >= WINDOW_NANOS) {
      // a gap of more than one window means nothing was seen in the last full one
      seenBefore = elapsed < 2 * WINDOW_NANOS ? seen : 0;
      seen = 0;
      kept = 0;
      windowStart = now;
    }
    seen++;
    if (kept >= perSecond) return 0;
    kept++;
    return seenBefore <= perSecond ? 1.0 : perSecond / seenBefore;
  }
}
