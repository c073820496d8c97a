package org.xraybridge.explain;

import java.util.function.LongSupplier;

/**
 * Admits at most {@code perSecond} new traces in each one-second window, so the explain view's cost
 * under load is bounded by this rate instead of by the traffic. A window starts at the first request
 * a second or more after the previous window started; no window admits more than the rate (so no
 * second-long span more than twice the rate). One clock read a request. Not thread-safe: guarded
 * by the recorder's lock.
 */
final class TraceRate {

  private static final long SECOND = 1_000_000_000L;

  private final int perSecond;
  private final LongSupplier nanoTime;
  private boolean started;
  private long windowStart;
  private int taken;

  /**
   * @param perSecond traces admitted per window (0 admits none)
   * @param nanoTime a monotonic clock in nanoseconds ({@code System::nanoTime})
   */
  TraceRate(int perSecond, LongSupplier nanoTime) {
    if (perSecond < 0) throw new IllegalArgumentException("perSecond must be ≥ 0, got " + perSecond);
    this.perSecond = perSecond;
    this.nanoTime = nanoTime;
  }

  /** Whether one more trace may be recorded now; when true it is counted against the window. */
  boolean tryTake() {
    long now = nanoTime.getAsLong();
    if (!started || now - windowStart >= SECOND) {
      started = true;
      windowStart = now;
      taken = 0;
    }
    if (taken >= perSecond) return false;
    taken++;
    return true;
  }

  int perSecond() {
    return perSecond;
  }
}
