package org.xraybridge.receiver;

import java.util.function.IntSupplier;
import org.xraybridge.model.MetricTag;

/**
 * What a listener counts about its connections (the receiver's and the management port's);
 * implemented by the operations side. Thread-safe, never blocks: called on event loops.
 */
public interface ConnectionMetrics {

  /** Why an open connection was closed by the listener. Tag values are the lower-case names. */
  enum Closed implements MetricTag {
    /** No whole request line and headers within {@code headerTimeout}: 408, then closed. */
    HEADER_TIMEOUT,
    /** A kept-alive connection sent no request for {@code idleTimeout}. */
    IDLE_TIMEOUT,
    /** Closed to make room for a new connection at a limit: it was the one silent longest. */
    EVICTED
  }

  /** Why a new connection was closed on accept. Tag values are the lower-case names. */
  enum Refused implements MetricTag {
    /** {@code maxConnections} were open, each in the middle of a request. */
    LIMIT,
    /** {@code maxPerAddress} were open from its address, each in the middle of a request. */
    PER_ADDRESS
  }

  void closed(Closed why);

  void refused(Refused why);

  /** Where a gauge reads the connections open now; called once, by the listener's policy. */
  void open(IntSupplier open);

  /** Counts nothing. */
  ConnectionMetrics NOOP = new ConnectionMetrics() {
    @Override
    public void closed(Closed why) {}

    @Override
    public void refused(Refused why) {}

    @Override
    public void open(IntSupplier open) {}
  };
}
