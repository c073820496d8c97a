package org.xraybridge.model;

import java.nio.charset.StandardCharsets;

/**
 * The Datadog Agent's normalisation of service names and operation names (docs/conversion.md §4), so the
 * names we send are the names Datadog will show — no surprise renaming after the fact.
 */
public final class Names {

  public static final String DEFAULT_SERVICE = "unnamed-service";
  public static final String DEFAULT_OPERATION = "unnamed_operation";
  private static final int MAX_SERVICE_BYTES = 100;
  private static final int MAX_TAG_CHARS = 200;
  private static final int MAX_NAME_CHARS = 100;

  /** Services and span names repeat endlessly in real traffic: normalise each distinct one once. */
  private static final int CACHE_LIMIT = 4096;
  private static final java.util.concurrent.ConcurrentHashMap<String, String> SERVICES = new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.util.concurrent.ConcurrentHashMap<String, String> OPERATIONS = new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.util.concurrent.ConcurrentHashMap<String, String> ENVS = new java.util.concurrent.ConcurrentHashMap<>();

  private Names() {}

  private static String cached(java.util.concurrent.ConcurrentHashMap<String, String> cache, String raw, java.util.function.UnaryOperator<String> f) {
    String v = cache.get(raw);
    if (v != null) return v;
    v = f.apply(raw);
    if (cache.size() >= CACHE_LIMIT) cache.clear(); // bounded: a flood of distinct names only costs recomputation
    cache.put(raw, v);
    return v;
  }

  /**
   * Tag normalisation (service names, env): truncate to 100 UTF-8 bytes, lower-case, every character
   * that is not a letter, digit, {@code _ - : . /} becomes {@code _}, leading characters before the
   * first letter or {@code :} are dropped, runs of {@code _} merge, trailing {@code _} go, at most 200
   * characters. Empty → {@link #DEFAULT_SERVICE} (for services) — see {@link #tag(String)} for the raw form.
   */
  public static String service(String raw) {
    return cached(SERVICES, raw, r -> {
      String t = tag(truncateUtf8(r, MAX_SERVICE_BYTES));
      return t.isEmpty() ? DEFAULT_SERVICE : t;
    });
  }

  /**
   * An env as Datadog keys it: tag-normalised (may be {@code ""}). Both halves compare envs in this
   * form, so a tracer's {@code Prod} meets an X-Ray {@code prod} as the backend would show them.
   */
  public static String env(String raw) {
    return raw.isEmpty() ? raw : cached(ENVS, raw, Names::tag);
  }

  /** Tag normalisation without a default: may return {@code ""}. */
  public static String tag(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    boolean started = false;
    int i = 0;
    while (i < raw.length() && out.length() < MAX_TAG_CHARS) {
      int cp = raw.codePointAt(i);
      i += Character.charCount(cp);
      int lower = Character.toLowerCase(cp);
      // the Agent lower-cases only when the byte width stays the same
      if (utf8Width(lower) != utf8Width(cp)) lower = cp;
      boolean letter = Character.isLetter(lower);
      boolean valid =
          letter || Character.isDigit(lower) || lower == '_' || lower == '-' || lower == ':' || lower == '.' || lower == '/';
      if (!started) {
        if (letter || lower == ':') {
          started = true;
        } else {
          continue;
        }
      }
      if (!valid) lower = '_';
      if (lower == '_' && out.length() > 0 && out.charAt(out.length() - 1) == '_') continue;
      out.appendCodePoint(lower);
    }
    int end = out.length();
    while (end > 0 && out.charAt(end - 1) == '_') end--;
    out.setLength(end);
    return out.toString();
  }

  /**
   * Operation-name normalisation (the Agent's metric-name rule): truncate to 100, drop characters
   * before the first ASCII letter, keep {@code [A-Za-z0-9_.]}, a run of anything else becomes one
   * {@code _}, no {@code _} right before a {@code .} or at the end. Empty → {@link #DEFAULT_OPERATION}.
   */
  public static String operation(String raw) {
    return cached(OPERATIONS, raw, Names::normaliseOperation);
  }

  private static String normaliseOperation(String raw) {
    String s = raw.length() > MAX_NAME_CHARS ? raw.substring(0, MAX_NAME_CHARS) : raw;
    StringBuilder out = new StringBuilder(s.length());
    boolean started = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean asciiLetter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!started) {
        if (!asciiLetter) continue;
        started = true;
      }
      boolean valid = asciiLetter || (c >= '0' && c <= '9') || c == '_' || c == '.';
      if (!valid) c = '_';
      int last = out.length() - 1;
      if (c == '_' && last >= 0 && out.charAt(last) == '_') continue;
      if (c == '.' && last >= 0 && out.charAt(last) == '_') {
        out.setCharAt(last, '.');
        continue;
      }
      out.append(c);
    }
    int end = out.length();
    while (end > 0 && out.charAt(end - 1) == '_') end--;
    out.setLength(end);
    return out.length() == 0 ? DEFAULT_OPERATION : out.toString();
  }

  /** Replaces control characters (U+0000–U+001F, U+007F) with {@code _}; returns the input when clean. */
  public static String withoutControlCharacters(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        StringBuilder out = new StringBuilder(s);
        for (int j = i; j < out.length(); j++) {
          char d = out.charAt(j);
          if (d < 0x20 || d == 0x7F) out.setCharAt(j, '_');
        }
        return out.toString();
      }
    }
    return s;
  }

  private static String truncateUtf8(String s, int maxBytes) {
    if (s.length() * 3 <= maxBytes) return s;
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= maxBytes) return s;
    int bytes = 0;
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      int w = utf8Width(cp);
      if (bytes + w > maxBytes) break;
      bytes += w;
      i += Character.charCount(cp);
    }
    return s.substring(0, i);
  }

  private static int utf8Width(int cp) {
    if (cp < 0x80) return 1;
    if (cp < 0x800) return 2;
    if (cp < 0x10000) return 3;
    return 4;
  }
}
