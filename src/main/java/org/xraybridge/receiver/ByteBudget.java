package org.xraybridge.receiver;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A count of bytes held, with a ceiling: what bounds the receiver's memory for request bodies.
 * Thread-safe, lock-free, never blocks.
 */
final class ByteBudget {

  private final long limit;
  private final AtomicLong used = new AtomicLong();

  ByteBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code n} bytes if they fit under the ceiling. */
  boolean tryTake(long n) {
    if (n <= 0) return true;
    while (true) {
      long u = used.get();
      if (u + n > limit) return false;
      if (used.compareAndSet(u, u + n)) return true;
    }
  }

  void give(long n) {
    if (n > 0) used.addAndGet(-n);
  }
}
