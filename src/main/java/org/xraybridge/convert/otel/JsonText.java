package org.xraybridge.convert.otel;

/** Writes the JSON the span mapping puts in meta ({@code events}): strings escaped as JSON requires. */
final class JsonText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {}

  /** {@code s} as a JSON string: {@code "}, {@code \} and control characters escaped, the rest kept. */
  static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
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

  /** An attribute's value as JSON: strings quoted, everything else already JSON text. */
  static void value(SpanRecord.Attribute a, StringBuilder out) {
    if (a.type() == SpanRecord.Type.STRING) {
      string(a.text(), out);
    } else {
      out.append(a.text());
    }
  }
}
