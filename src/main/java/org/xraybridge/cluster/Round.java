package org.xraybridge.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.xraybridge.model.Receipt;

/**
 * The records the consumer read between two hand-offs to the forward stage, and the receipt of the
 * spans it handed on: the round is done — its records may be committed — once it is closed and every
 * span it handed on settled (delivered, or dropped for good). A span abandoned (the forward stage
 * stopped without an outcome) keeps the round from ever being done, so its records are read again by
 * whoever owns their partition next (docs/cluster.md, "Kafka is the buffer").
 *
 * <p>The offsets are written by the consumer thread only, before {@link #close}; the receipt methods
 * are called from the forward stage's threads.
 */
final class Round implements Receipt {

  /** Next offset to read, per partition: one past the last record of the round. */
  final Map<TopicPartition, Long> next = new HashMap<>();
  private final AtomicLong outstanding = new AtomicLong();
  private volatile boolean closed;
  private volatile boolean abandoned;
  /** Spans read in the round (the consumer ends a round past a bound). */
  long spansRead;

  void read(TopicPartition tp, long offset) {
    next.merge(tp, offset + 1, Math::max);
  }

  /** {@code spans} are being handed to the forward stage with this receipt. */
  void expect(long spans) {
    outstanding.addAndGet(spans);
  }

  void close() {
    closed = true;
  }

  boolean done() {
    return closed && !abandoned && outstanding.get() == 0;
  }

  boolean abandonedSpans() {
    return abandoned;
  }

  long outstanding() {
    return outstanding.get();
  }

  @Override
  public void settled(long spans) {
    outstanding.addAndGet(-spans);
  }

  @Override
  public void abandoned(long spans) {
    abandoned = true;
    outstanding.addAndGet(-spans);
  }
}
