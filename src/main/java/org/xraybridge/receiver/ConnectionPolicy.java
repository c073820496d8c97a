package org.xraybridge.receiver;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.netty.http.server.HttpServer;

/**
 * What a connection may do, whatever it asks: at most {@code maxConnections} open at once (more are
 * closed on accept, counted), and none idle for longer than {@link #IDLE_TIMEOUT}. Thread-safe.
 */
final class ConnectionPolicy {

  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final int maxConnections;
  private final Outcomes outcomes;
  private final AtomicInteger open = new AtomicInteger();

  ConnectionPolicy(int maxConnections, Outcomes outcomes) {
    this.maxConnections = maxConnections;
    this.outcomes = outcomes;
  }

  /** {@code server} with this policy applied to every connection. */
  HttpServer applyTo(HttpServer server) {
    return server
        .idleTimeout(IDLE_TIMEOUT)
        .doOnChannelInit((observer, channel, remote) -> {
          int now = open.incrementAndGet();
          channel.closeFuture().addListener(f -> open.decrementAndGet());
          if (now > maxConnections) {
            outcomes.metrics().incrementRefusedConnections();
            outcomes.failed("Overloaded: " + now + " connections open, the limit is " + maxConnections);
            channel.close();
          }
        });
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }
}
