package org.xraybridge.source.daemon;

import java.net.InetSocketAddress;

/**
 * Where raw datagrams are relayed: {@code host:port} or {@code [v6-address]:port}, as the X-Ray
 * daemon's {@code AWS_XRAY_DAEMON_ADDRESS} is written. The one check of that form: the configuration
 * calls {@link #parse} to validate the key, the listener to relay. Resolved when the listener starts.
 */
public record RelayAddress(String host, int port) {

  /**
   * @throws IllegalArgumentException saying what is wrong and quoting {@code text}
   */
  public static RelayAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("write an IPv6 address in brackets, [addr]:port, got '" + text + "'");
    }
    if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("expected host:port, got '" + text + "'");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the port is not a number in '" + text + "'");
    }
    if (port < 1 || port > 65_535) throw new IllegalArgumentException("the port must be 1..65535, got '" + text + "'");
    return new RelayAddress(host, port);
  }

  /** Resolves the host (may block on DNS: call at start-up only). */
  InetSocketAddress resolve() {
    InetSocketAddress a = new InetSocketAddress(host, port);
    if (a.isUnresolved()) throw new IllegalStateException("cannot resolve the relay host '" + host + "'");
    return a;
  }
}
