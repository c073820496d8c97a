package org.xraybridge.source.daemon;

import java.net.InetSocketAddress;

/**
 * Where raw datagrams are relayed: {@code host:port} or {@code [v6-address]:port}, as the X-Ray
 * daemon's {@code AWS_XRAY_DAEMON_ADDRESS} is written. Parsed when the settings are built; resolved
 * when the listener starts.
 */
record RelayAddress(String host, int port) {

  static RelayAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("relayTo: expected host:port, got '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("relayTo: write an IPv6 address in brackets, [addr]:port, got '" + text + "'");
    }
    if (host.isBlank()) throw new IllegalArgumentException("relayTo: expected host:port, got '" + text + "'");
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("relayTo: port is not a number in '" + text + "'");
    }
    if (port < 1 || port > 65_535) throw new IllegalArgumentException("relayTo: port must be 1..65535, got '" + text + "'");
    return new RelayAddress(host, port);
  }

  /** Resolves the host (may block on DNS: call at start-up only). */
  InetSocketAddress resolve() {
    InetSocketAddress a = new InetSocketAddress(host, port);
    if (a.isUnresolved()) throw new IllegalStateException("relayTo: cannot resolve host '" + host + "'");
    return a;
  }
}
