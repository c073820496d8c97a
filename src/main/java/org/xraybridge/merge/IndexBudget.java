package org.xraybridge.merge;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The trace index's bound across its stripes, and its removal counts. A stripe reserves a place
 * before it adds a trace, so the index never holds more than {@code maxTraces} even while stripes
 * add at the same time.
 */
final class IndexBudget {

  private final long maxTraces;
  private final AtomicLong traces = new AtomicLong();
  private final LongAdder expired = new LongAdder();
  private final LongAdder evictedEarly = new LongAdder();

  IndexBudget(long maxTraces) {
    this.maxTraces = maxTraces;
  }

  /** Takes one place if the index is below its bound. */
  boolean tryReserve() {
    for (;;) {
      long n = traces.get();
      if (n >= maxTraces) return false;
      if (traces.compareAndSet(n, n + 1)) return true;
    }
  }

  void expired() {
    traces.decrementAndGet();
    expired.increment();
  }

  void evictedEarly() {
    traces.decrementAndGet();
    evictedEarly.increment();
  }

  long traces() {
    return traces.get();
  }

  long expiredCount() {
    return expired.sum();
  }

  long evictedEarlyCount() {
    return evictedEarly.sum();
  }
}
