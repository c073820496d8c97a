package org.xraybridge.convert;

/**
 * The parts of a URL the tags need (docs/conversion.md §4 R_http, §5 {@code peer.hostname} and
 * {@code db.instance}), read leniently by hand: a URL in a segment is whatever the instrumented code
 * saw, and a tag should still come out of it when it is not a valid URI.
 */
final class Urls {

  private Urls() {}

  /** The path of a URL: after scheme and host, up to {@code ?} or {@code #}; {@code /} when empty. */
  static String path(String url) {
    int start;
    int scheme = url.indexOf("://");
    if (scheme >= 0) {
      int slash = url.indexOf('/', scheme + 3);
      start = slash < 0 ? url.length() : slash;
      // a '?' or '#' before any '/' ends the authority too
      int q = firstOf(url, scheme + 3, '?', '#');
      if (q >= 0 && q < start) start = q;
    } else if (url.startsWith("//")) {
      int slash = url.indexOf('/', 2);
      start = slash < 0 ? url.length() : slash;
    } else {
      int slash = url.indexOf('/');
      start = slash < 0 ? url.length() : slash;
    }
    int end = firstOf(url, start, '?', '#');
    if (end < 0) end = url.length();
    String path = url.substring(start, end);
    return path.isEmpty() ? "/" : path;
  }

  /** The host of a URL ({@code ""} when it has no authority). */
  static String host(String url) {
    int scheme = url.indexOf("://");
    int start;
    if (scheme >= 0) {
      start = scheme + 3;
    } else if (url.startsWith("//")) {
      start = 2;
    } else {
      return "";
    }
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) end++;
    String authority = url.substring(start, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) authority = authority.substring(at + 1);
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      return close < 0 ? authority : authority.substring(0, close + 1);
    }
    int colon = authority.indexOf(':');
    return colon < 0 ? authority : authority.substring(0, colon);
  }

  /** {@code db.instance}: the last non-empty path segment of a database URL (or the part after the last ':'). */
  static String dbInstance(String url) {
    if (url.isEmpty()) return "";
    String u = url;
    int cut = firstOf(u, 0, '?', ';');
    if (cut >= 0) u = u.substring(0, cut);
    int authority = u.indexOf("//");
    if (authority >= 0) {
      int slash = u.indexOf('/', authority + 2);
      if (slash < 0) return "";
      String[] parts = u.substring(slash + 1).split("/");
      for (int i = parts.length - 1; i >= 0; i--) {
        if (!parts[i].isEmpty()) return parts[i];
      }
      return "";
    }
    int colon = u.lastIndexOf(':');
    int slash = u.lastIndexOf('/');
    int at = Math.max(colon, slash);
    return at < 0 ? "" : u.substring(at + 1);
  }

  private static int firstOf(String s, int from, char a, char b) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == a || c == b) return i;
    }
    return -1;
  }
}
