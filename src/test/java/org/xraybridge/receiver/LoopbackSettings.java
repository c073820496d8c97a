package org.xraybridge.receiver;

import java.time.Duration;

/** Receiver settings for tests: loopback, a free port, and the limits {@code bridge.receiver.*} defaults to. */
final class LoopbackSettings {

  static final long MAX_BODY_BYTES = 25L << 20;

  private LoopbackSettings() {}

  static ReceiverSettings defaults() {
    return new ReceiverSettings("127.0.0.1", 0, MAX_BODY_BYTES, Duration.ofSeconds(5), 1000, 2, 64L << 20);
  }

  /** The defaults with other bounds. */
  static ReceiverSettings limits(long maxBodyBytes, long maxBufferedBytes, Duration readTimeout, int maxConnections) {
    return new ReceiverSettings("127.0.0.1", 0, maxBodyBytes, readTimeout, maxConnections, 2, maxBufferedBytes);
  }
}
