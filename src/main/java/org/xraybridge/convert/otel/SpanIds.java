package org.xraybridge.convert.otel;

import java.util.Locale;
import org.xraybridge.model.IdCodec;

/**
 * The ids of an {@code aws/spans} record in the bridge's terms (docs/conversion.md §8): a W3C trace id
 * of 32 hex digits is an X-Ray trace id without its {@code 1-} and dash, so it is turned back into
 * that form and everything else is {@link IdCodec}'s, unchanged.
 */
final class SpanIds {

  private SpanIds() {}

  /**
   * {@code EEEEEEEEUUUUUUUUUUUUUUUUUUUUUUUU} → {@code 1-eeeeeeee-uuuuuuuuuuuuuuuuuuuuuuuu} (lower-case);
   * an id already in X-Ray form is lower-cased. Only the shape is checked here; {@link IdCodec} checks
   * the digits and refuses an all-zero unique part.
   *
   * @throws IllegalArgumentException naming what was expected and quoting what was found
   */
  static String xrayTraceId(String traceId) {
    if (traceId.length() == 35 && traceId.startsWith("1-") && traceId.charAt(10) == '-') {
      return traceId.toLowerCase(Locale.ROOT);
    }
    if (traceId.length() != 32) {
      throw new IllegalArgumentException("traceId: expected 32 hex digits, got " + quote(traceId));
    }
    char[] out = new char[35];
    out[0] = '1';
    out[1] = '-';
    out[10] = '-';
    for (int i = 0; i < 32; i++) {
      char c = traceId.charAt(i);
      if (c >= 'A' && c <= 'F') {
        c = (char) (c + ('a' - 'A'));
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new IllegalArgumentException("traceId: expected 32 hex digits, got " + quote(traceId));
      }
      out[i < 8 ? i + 2 : i + 3] = c;
    }
    return new String(out);
  }

  /** The 32 hex digits of an X-Ray trace id ({@code otel.trace_id}). */
  static String w3cTraceId(String xrayTraceId) {
    return xrayTraceId.substring(2, 10) + xrayTraceId.substring(11);
  }

  /** {@code parentSpanId}: absent, empty or all zeros is a root (0); else 16 hex digits. */
  static long parentId(String text) {
    if (text.isEmpty() || "0000000000000000".equals(text)) return 0;
    return IdCodec.parseHex64(text, "parentSpanId");
  }

  private static String quote(String s) {
    return "'" + (s.length() > 64 ? s.substring(0, 64) + "…" : s) + "'";
  }
}
