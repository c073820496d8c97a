package org.xraybridge.passthrough;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.xraybridge.model.PassThrough.Header;

/**
 * Which headers cross the bridge. Hop-by-hop ones belong to one connection and never do: those RFC
 * 9110 §7.6.1 lists (and the fields named in {@code Connection}), with the older {@code
 * Proxy-Authenticate}, {@code Proxy-Authorization} and {@code Trailer} that Go's reverse proxy (so the
 * Agent's) also drops. Framing is the receiver's and the client's own; {@code Content-Length} passes,
 * because a body is relayed whole.
 */
final class Headers {

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization");

  static final String VIA = "Via";
  static final String VIA_VALUE = "1.1 xray-datadog-bridge";

  private Headers() {}

  /** {@code headers} without hop-by-hop ones and without {@code dropped} (lower-case names). */
  static List<Header> endToEnd(List<Header> headers, Set<String> dropped) {
    Set<String> named = new HashSet<>();
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase("Connection")) {
        for (String token : h.value().split(",")) named.add(token.strip().toLowerCase(Locale.ROOT));
      }
    }
    List<Header> out = new ArrayList<>(headers.size());
    for (Header h : headers) {
      String n = h.name().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(n) || named.contains(n) || dropped.contains(n)) continue;
      out.add(h);
    }
    return out;
  }

  static String get(List<Header> headers, String name) {
    for (Header h : headers) if (h.name().equalsIgnoreCase(name)) return h.value();
    return null;
  }

  /** Whether a request with these headers has a body (a length above 0, or a transfer coding). */
  static boolean hasBody(List<Header> headers) {
    if (get(headers, "Transfer-Encoding") != null) return true;
    String length = get(headers, "Content-Length");
    if (length == null) return false;
    try {
      return Long.parseLong(length.strip()) > 0;
    } catch (NumberFormatException e) {
      return true;
    }
  }
}
