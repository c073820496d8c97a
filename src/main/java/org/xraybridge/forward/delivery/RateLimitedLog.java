package org.xraybridge.forward.delivery;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * At most one WARN line per topic per interval, with the number of similar events since the last
 * line: drops are logged as an aggregate, never per span. Messages are scrubbed.
 *
 * <p>Thread-safe.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final Redactor redactor;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();

  public RateLimitedLog(Logger log, Redactor redactor, java.time.Duration interval, LongSupplier nanoTime) {
    this.log = log;
    this.redactor = redactor;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Logs {@code message} for {@code topic} unless one was logged within the interval. */
  public void warn(String topic, String message) {
    Topic t = topics.computeIfAbsent(topic, k -> new Topic());
    long now = nanoTime.getAsLong();
    long last = t.lastNanos.get();
    if (last != Long.MIN_VALUE && now - last < intervalNanos) {
      t.suppressed.incrementAndGet();
      return;
    }
    if (!t.lastNanos.compareAndSet(last, now)) {
      t.suppressed.incrementAndGet();
      return;
    }
    long suppressed = t.suppressed.getAndSet(0);
    String line = redactor.scrub(message);
    if (suppressed > 0) {
      log.warn("{} ({} similar since the last report)", line, suppressed);
    } else {
      log.warn("{}", line);
    }
  }

  private static final class Topic {
    final AtomicLong lastNanos = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong suppressed = new AtomicLong();
  }
}
