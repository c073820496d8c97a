package org.xraybridge.forward;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import org.xraybridge.forward.delivery.Redactor;

/**
 * Refuses an Agent URL that reaches this bridge's own receiver: every span would come back in and
 * go round for ever. Same port, and a host that is the receiver's or one of this machine's
 * addresses.
 */
final class OwnReceiverCheck {
  private OwnReceiverCheck() {}

  /**
   * @param ownHost the host the receiver binds
   * @param ownPort its port; 0 when the receiver is off (then nothing is refused)
   * @throws IllegalStateException naming {@code bridge.forward.agent-url} when {@code agentUrl}
   *     reaches the receiver
   */
  static void refuse(URI agentUrl, String ownHost, int ownPort) {
    if (ownPort == 0) return;
    int agentPort = agentUrl.getPort() >= 0 ? agentUrl.getPort() : "https".equalsIgnoreCase(agentUrl.getScheme()) ? 443 : 80;
    if (agentPort != ownPort) return;
    String host = agentUrl.getHost();
    boolean local;
    try {
      InetAddress[] addresses = InetAddress.getAllByName(host);
      local = host.equalsIgnoreCase(ownHost);
      for (InetAddress a : addresses) {
        local |= a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
      }
    } catch (UnknownHostException | SocketException e) {
      local = host.equalsIgnoreCase(ownHost);
    }
    if (local) {
      throw new IllegalStateException("bridge.forward.agent-url (" + Redactor.safe(agentUrl)
          + ") points at this bridge's own receiver (port " + ownPort + "): every span would loop back in."
          + " Point it at a Datadog Agent, or change bridge.receiver.port");
    }
  }
}
