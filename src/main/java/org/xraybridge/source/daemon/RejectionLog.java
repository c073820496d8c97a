package org.xraybridge.source.daemon;

import java.util.EnumMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in the log which datagrams the port rejected, as one aggregate line a minute at most, never a
 * line per datagram (a misconfigured sender could flood the log). Thread-safe.
 */
final class RejectionLog {

  private static final Logger log = LoggerFactory.getLogger(RejectionLog.class);
  private static final long EVERY_NANOS = 60_000_000_000L;

  private final EnumMap<DatagramOutcome, LongAdder> sinceLastLine = new EnumMap<>(DatagramOutcome.class);
  private final AtomicLong lastLineNanos = new AtomicLong(System.nanoTime());

  RejectionLog() {
    for (DatagramOutcome o : DatagramOutcome.values()) sinceLastLine.put(o, new LongAdder());
  }

  void rejected(DatagramOutcome outcome) {
    sinceLastLine.get(outcome).increment();
  }

  /** Writes the line when a minute has passed since the last one. */
  void maybeLog(long nowNanos) {
    long last = lastLineNanos.get();
    if (nowNanos - last < EVERY_NANOS || !lastLineNanos.compareAndSet(last, nowNanos)) return;
    log();
  }

  /** Writes what was rejected since the last line, if anything. */
  void log() {
    StringBuilder line = new StringBuilder();
    for (DatagramOutcome o : DatagramOutcome.values()) {
      long v = sinceLastLine.get(o).sumThenReset();
      if (v > 0) {
        if (line.length() > 0) line.append(", ");
        line.append(o.tag()).append('=').append(v);
      }
    }
    if (line.length() > 0) log.warn("X-Ray daemon port rejected datagrams since the last report: {}", line);
  }
}
