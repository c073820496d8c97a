package org.xraybridge.receiver;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import reactor.netty.http.server.HttpServerRequest;

/** The remote address of a request, as the per-address limits count it. */
final class Remote {

  /** The key of requests without an IP address (none today: the listeners are TCP). */
  static final InetAddress NONE = InetAddress.getLoopbackAddress();

  private Remote() {}

  static InetAddress address(HttpServerRequest req) {
    return address(req.remoteAddress());
  }

  static InetAddress address(java.net.SocketAddress remote) {
    return remote instanceof InetSocketAddress isa && isa.getAddress() != null ? isa.getAddress() : NONE;
  }
}
