package org.xraybridge.convert.json;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Copies a JSON value from a parser into compact text: no whitespace, members in document order,
 * numbers in their document spelling (so {@code 1.0E9} stays {@code 1.0E9}), strings escaped as JSON
 * requires ({@code "}, {@code \}, control characters) with everything else, non-ASCII included, kept.
 */
final class CompactJson {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CompactJson() {}

  /** At the START_OBJECT/START_ARRAY (current token) of a container; copies through its end. */
  static void copy(JsonParser p, StringBuilder out) {
    copyValue(p, p.currentToken(), out);
  }

  /** Copies the value whose first token is {@code t} (already current). */
  static void copyValue(JsonParser p, JsonToken t, StringBuilder out) {
    switch (t) {
      case START_OBJECT -> {
        out.append('{');
        boolean first = true;
        String name;
        while ((name = p.nextName()) != null) {
          if (!first) out.append(',');
          first = false;
          string(name, out);
          out.append(':');
          copyValue(p, p.nextToken(), out);
        }
        out.append('}');
      }
      case START_ARRAY -> {
        out.append('[');
        boolean first = true;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          if (!first) out.append(',');
          first = false;
          copyValue(p, e, out);
        }
        out.append(']');
      }
      case VALUE_STRING -> string(p.getString(), out);
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.append(p.getText());
      case VALUE_TRUE -> out.append("true");
      case VALUE_FALSE -> out.append("false");
      case VALUE_NULL -> out.append("null");
      default -> throw new IllegalStateException("unexpected token " + t);
    }
  }

  /**
   * At START_ARRAY: copies the array as compact JSON and says whether it held only scalars
   * (strings, numbers, booleans; nulls are skipped in the joined form).
   */
  static boolean copyArray(JsonParser p, StringBuilder out) {
    out.append('[');
    boolean first = true;
    boolean scalars = true;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (!first) out.append(',');
      first = false;
      if (e == JsonToken.START_OBJECT || e == JsonToken.START_ARRAY) scalars = false;
      copyValue(p, e, out);
    }
    out.append(']');
    return scalars;
  }

  /**
   * Joins the scalars of a compact JSON array of scalars with {@code ,}: strings unquoted and
   * unescaped, numbers and booleans as written, nulls left out.
   */
  static String joinScalars(CharSequence compactArray) {
    StringBuilder out = new StringBuilder(compactArray.length());
    int i = 1; // after '['
    int end = compactArray.length() - 1; // at ']'
    boolean first = true;
    while (i < end) {
      StringBuilder item = new StringBuilder();
      boolean isNull = false;
      if (compactArray.charAt(i) == '"') {
        i++;
        while (compactArray.charAt(i) != '"') {
          char c = compactArray.charAt(i);
          if (c == '\\') {
            char n = compactArray.charAt(++i);
            switch (n) {
              case 'n' -> item.append('\n');
              case 't' -> item.append('\t');
              case 'r' -> item.append('\r');
              case 'b' -> item.append('\b');
              case 'f' -> item.append('\f');
              case 'u' -> {
                item.append((char) Integer.parseInt(compactArray.subSequence(i + 1, i + 5).toString(), 16));
                i += 4;
              }
              default -> item.append(n);
            }
          } else {
            item.append(c);
          }
          i++;
        }
        i++; // closing quote
      } else {
        int start = i;
        while (i < end && compactArray.charAt(i) != ',') i++;
        String token = compactArray.subSequence(start, i).toString();
        isNull = token.equals("null");
        item.append(token);
      }
      if (!isNull) {
        if (!first) out.append(',');
        first = false;
        out.append(item);
      }
      if (i < end && compactArray.charAt(i) == ',') i++;
    }
    return out.toString();
  }

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
}
