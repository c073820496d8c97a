package org.xraybridge.forward.delivery;

import java.net.URI;
import java.util.regex.Pattern;
import org.xraybridge.model.Secret;

/**
 * Keeps the API key out of everything this stage prints: log lines, exception messages, the status
 * snapshot. Text that came from outside (a response body, an exception message of the HTTP client)
 * passes through {@link #scrub} before it is logged or kept, because a peer may echo a header back
 * and a URL may carry {@code api_key=} in its query.
 *
 * <p>Thread-safe.
 */
public final class Redactor {
  static final String REDACTED = "<redacted>";
  private static final Pattern KEY_PARAMETER =
      Pattern.compile("(?i)(api[_-]?key[\"']?\\s*[=:]\\s*[\"']?)[^&\\s\"',;}]+");

  private final String key;

  public Redactor(Secret apiKey) {
    this.key = apiKey.reveal();
  }

  /** {@code text} with the key and any {@code api_key=…} value replaced, control characters flattened. */
  public String scrub(String text) {
    if (text == null) return "";
    String s = text;
    if (!key.isEmpty() && s.contains(key)) s = s.replace(key, REDACTED);
    s = KEY_PARAMETER.matcher(s).replaceAll("$1" + REDACTED);
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        if (out == null) out = new StringBuilder(s.substring(0, i));
        out.append(' ');
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? s : out.toString();
  }

  /** A throwable as one short, scrubbed line: its type and message, and its cause's. */
  public String describe(Throwable t) {
    StringBuilder b = new StringBuilder();
    Throwable c = t;
    for (int depth = 0; c != null && depth < 3; depth++, c = c.getCause()) {
      if (depth > 0) b.append(" <- ");
      b.append(c.getClass().getSimpleName());
      if (c.getMessage() != null) b.append(": ").append(c.getMessage());
    }
    return scrub(b.toString());
  }

  /** A URI safe to print: no user info, no query, no fragment. */
  public static String safe(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme() + "://";
    String host = uri.getHost() == null ? "" : uri.getHost();
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return scheme + host + port + path;
  }
}
