package org.xraybridge.receiver;

import java.time.Duration;

/** Receiver settings for tests: loopback, a free port, and the limits {@code bridge.receiver.*} defaults to. */
final class LoopbackSettings {

  static final long MAX_BODY_BYTES = 25L << 20;
  static final long MIN_BODY_RATE = 240;
  static final ConnectionLimits CONNECTIONS = new ConnectionLimits(1000, 500, Duration.ofSeconds(10), Duration.ofSeconds(60));

  private LoopbackSettings() {}

  static ReceiverSettings defaults() {
    return new ReceiverSettings("127.0.0.1", 0, MAX_BODY_BYTES, Duration.ofSeconds(5), MIN_BODY_RATE, CONNECTIONS, 2, 64L << 20);
  }

  /** The defaults with other bounds. */
  static ReceiverSettings limits(long maxBodyBytes, long maxBufferedBytes, Duration readTimeout, int maxConnections) {
    ConnectionLimits c = new ConnectionLimits(maxConnections, maxConnections, CONNECTIONS.headerTimeout(), CONNECTIONS.idleTimeout());
    return new ReceiverSettings("127.0.0.1", 0, maxBodyBytes, readTimeout, MIN_BODY_RATE, c, 2, maxBufferedBytes);
  }

  /** The defaults with other connection limits. */
  static ReceiverSettings connections(ConnectionLimits limits) {
    return new ReceiverSettings("127.0.0.1", 0, MAX_BODY_BYTES, Duration.ofSeconds(5), MIN_BODY_RATE, limits, 2, 64L << 20);
  }

  /** The defaults with another body gap timeout and minimum pace. */
  static ReceiverSettings bodyPace(Duration readTimeout, long minBodyRate) {
    return new ReceiverSettings("127.0.0.1", 0, MAX_BODY_BYTES, readTimeout, minBodyRate, CONNECTIONS, 2, 64L << 20);
  }
}
