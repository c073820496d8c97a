package org.xraybridge.receiver;

import java.util.Locale;

/**
 * A request target's path and query in origin form ({@code /a/b?q}), the only part a pass-through
 * relays: the next hop's URL is the configured one, and text appended to it must never reach its
 * authority (docs/receiver.md, "Everything else a tracer sends"). The absolute form ({@code
 * http://host/a?q}), which a server must accept, gives its path and query; a target that is no path —
 * {@code //host/a} (which URL parsers read as an authority), {@code @host/a}, {@code *} — gives none.
 */
final class RequestTarget {

  private RequestTarget() {}

  /** The origin form of {@code target}, or {@code ""} when it has none; a fragment is dropped. */
  static String originForm(String target) {
    String rest = target;
    String lower = target.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      int authority = lower.indexOf("://") + 3;
      int end = authority;
      while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) end++;
      rest = end == target.length() ? "/" : target.substring(end);
      if (!rest.startsWith("/")) rest = "/" + rest;
    }
    int fragment = rest.indexOf('#');
    if (fragment >= 0) rest = rest.substring(0, fragment);
    return rest.startsWith("/") && !rest.startsWith("//") ? rest : "";
  }
}
