package org.xraybridge.source.daemon;

/**
 * Walks the top-level members of one JSON object in UTF-8 bytes without building anything: for each
 * member it reports where the key's text and the raw value are. Nested objects and arrays are skipped
 * by counting brackets outside strings, so the walk is one pass over the bytes, iterative (no depth
 * limit, no recursion) and allocation-free.
 *
 * <p>It checks the structure the walk needs (quotes, colons, commas, balanced brackets, nothing after
 * the closing brace) and nothing more: literals, numbers and escapes are not validated, a {@code ]}
 * may close a {@code {}. That is the job of the converter's real parser; this one only has to find
 * the members cheaply and never be fooled by nested ones.
 */
final class JsonScan {
  private JsonScan() {}

  /** Receives each top-level member: the key's text between its quotes, and the raw value (strings with their quotes). */
  interface Members {
    void member(byte[] b, int keyStart, int keyEnd, int valueStart, int valueEnd);
  }

  /**
   * Walks {@code b[from, to)}, which must hold exactly one JSON object (whitespace around it allowed).
   *
   * @return false when it does not; members already reported stay reported
   */
  static boolean object(byte[] b, int from, int to, Members members) {
    int p = skipWhitespace(b, from, to);
    if (p >= to || b[p] != '{') return false;
    p = skipWhitespace(b, p + 1, to);
    if (p < to && b[p] == '}') return skipWhitespace(b, p + 1, to) == to;
    while (true) {
      if (p >= to || b[p] != '"') return false;
      int keyStart = p + 1;
      int keyEnd = stringEnd(b, keyStart, to);
      if (keyEnd < 0) return false;
      p = skipWhitespace(b, keyEnd + 1, to);
      if (p >= to || b[p] != ':') return false;
      p = skipWhitespace(b, p + 1, to);
      if (p >= to) return false;
      int valueStart = p;
      int valueEnd = valueEnd(b, p, to);
      if (valueEnd < 0) return false;
      members.member(b, keyStart, keyEnd, valueStart, valueEnd);
      p = skipWhitespace(b, valueEnd, to);
      if (p >= to) return false;
      if (b[p] == ',') {
        p = skipWhitespace(b, p + 1, to);
      } else if (b[p] == '}') {
        return skipWhitespace(b, p + 1, to) == to;
      } else {
        return false;
      }
    }
  }

  static int skipWhitespace(byte[] b, int p, int to) {
    while (p < to && isWhitespace(b[p])) p++;
    return p;
  }

  static boolean keyEquals(byte[] b, int start, int end, byte[] key) {
    if (end - start != key.length) return false;
    for (int i = 0; i < key.length; i++) {
      if (b[start + i] != key[i]) return false;
    }
    return true;
  }

  /** ASCII case-insensitive; {@code key} is lower-case. */
  static boolean keyEqualsIgnoreCase(byte[] b, int start, int end, byte[] key) {
    if (end - start != key.length) return false;
    for (int i = 0; i < key.length; i++) {
      byte c = b[start + i];
      if (c >= 'A' && c <= 'Z') c = (byte) (c | 0x20);
      if (c != key[i]) return false;
    }
    return true;
  }

  /** Whether the raw value is the string {@code expected} (ASCII, no escapes). */
  static boolean stringEquals(byte[] b, int valueStart, int valueEnd, String expected) {
    if (valueEnd - valueStart != expected.length() + 2 || b[valueStart] != '"') return false;
    for (int i = 0; i < expected.length(); i++) {
      if (b[valueStart + 1 + i] != expected.charAt(i)) return false;
    }
    return true;
  }

  /** {@link #stringEquals}, ASCII case ignored. */
  static boolean stringEqualsIgnoreCase(byte[] b, int valueStart, int valueEnd, String expected) {
    if (valueEnd - valueStart != expected.length() + 2 || b[valueStart] != '"') return false;
    for (int i = 0; i < expected.length(); i++) {
      int c = b[valueStart + 1 + i];
      if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
      if (c != Character.toLowerCase(expected.charAt(i))) return false;
    }
    return true;
  }

  static boolean literalEquals(byte[] b, int valueStart, int valueEnd, String expected) {
    if (valueEnd - valueStart != expected.length()) return false;
    for (int i = 0; i < expected.length(); i++) {
      if (b[valueStart + i] != expected.charAt(i)) return false;
    }
    return true;
  }

  /** Index of the closing quote of the string whose text starts at {@code p}; -1 when unterminated. */
  private static int stringEnd(byte[] b, int p, int to) {
    while (p < to) {
      byte c = b[p];
      if (c == '"') return p;
      p += c == '\\' ? 2 : 1;
    }
    return -1;
  }

  /** End (exclusive) of the value starting at {@code p}; -1 when it does not end before {@code to}. */
  private static int valueEnd(byte[] b, int p, int to) {
    byte c = b[p];
    if (c == '"') {
      int e = stringEnd(b, p + 1, to);
      return e < 0 ? -1 : e + 1;
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (p < to) {
        c = b[p];
        if (c == '"') {
          int e = stringEnd(b, p + 1, to);
          if (e < 0) return -1;
          p = e + 1;
          continue;
        }
        if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) return p + 1;
        }
        p++;
      }
      return -1;
    }
    int start = p;
    while (p < to) {
      c = b[p];
      if (c == ',' || c == '}' || c == ']' || c == ':' || c == '{' || c == '[' || c == '"' || isWhitespace(c)) break;
      p++;
    }
    return p == start ? -1 : p;
  }

  private static boolean isWhitespace(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }
}
