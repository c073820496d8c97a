package org.xraybridge.convert;

/**
 * The one JSON string writer of the conversion, for the parser's compact copies ({@code convert.json})
 * and the span-event JSON of the logs mapping ({@code convert.otel}, which must not use Jackson): only
 * what JSON requires is escaped ({@code "}, {@code \}, control characters), so non-ASCII text stays
 * as it was and a tag reads the same in Datadog as in the segment (docs/conversion.md).
 */
public final class JsonStrings {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonStrings() {}

  /** Appends {@code s} to {@code out} as a quoted JSON string. */
  public static void quote(String s, StringBuilder out) {
    out.append('"');
    // most strings need no escape: copy the run before the first char that does in one append
    int n = s.length();
    int clean = 0;
    while (clean < n) {
      char c = s.charAt(clean);
      if (c < 0x20 || c == '"' || c == '\\') break;
      clean++;
    }
    if (clean == n) {
      out.append(s).append('"');
      return;
    }
    out.append(s, 0, clean);
    for (int i = clean; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
