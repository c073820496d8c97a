package org.xraybridge.receiver;

import java.time.Duration;
import java.util.Objects;

/**
 * What a listener's connections may do, whatever they ask (docs/receiver.md, "Connections"): the
 * receiver's and the management port's.
 *
 * @param maxConnections open connections at most. At the limit a new connection closes the one that
 *     has been silent longest (no request in progress); only when every connection is in the middle of
 *     a request is the new one refused
 * @param maxPerAddress open connections from one remote address at most, the same way within that
 *     address's connections: one client cannot take every slot
 * @param headerTimeout a request line and headers must arrive whole within it, counted from the
 *     connection's opening or from the first byte of a request on a kept-alive connection; then 408
 *     and close
 * @param idleTimeout a kept-alive connection with no request for this long is closed
 */
public record ConnectionLimits(int maxConnections, int maxPerAddress, Duration headerTimeout, Duration idleTimeout) {

  public ConnectionLimits {
    Objects.requireNonNull(headerTimeout, "headerTimeout == null");
    Objects.requireNonNull(idleTimeout, "idleTimeout == null");
  }
}
