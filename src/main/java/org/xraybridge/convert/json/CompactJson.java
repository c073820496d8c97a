package org.xraybridge.convert.json;

import org.xraybridge.convert.JsonStrings;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Copies a JSON value from a parser into compact text: no whitespace, members in document order,
 * numbers in their document spelling (so {@code 1.0E9} stays {@code 1.0E9}), strings escaped as JSON
 * requires ({@code "}, {@code \}, control characters) with everything else, non-ASCII included, kept.
 */
final class CompactJson {

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
          JsonStrings.quote(name, out);
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
      case VALUE_STRING -> JsonStrings.quote(p.getString(), out);
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.append(p.getText());
      case VALUE_TRUE -> out.append("true");
      case VALUE_FALSE -> out.append("false");
      case VALUE_NULL -> out.append("null");
      default -> throw new IllegalStateException("unexpected token " + t);
    }
  }

  /**
   * At START_ARRAY: copies the array as compact JSON into {@code out} and, while it holds only
   * scalars (strings, numbers, booleans), joins them with {@code ,} into {@code joined}: strings as
   * their value, numbers and booleans as written, nulls left out. Says whether it held only scalars;
   * if not, {@code joined} is incomplete. One pass, so the joined form is never re-read from the JSON.
   */
  static boolean copyArray(JsonParser p, StringBuilder out, StringBuilder joined) {
    out.append('[');
    boolean first = true;
    boolean scalars = true;
    boolean firstJoined = true;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (!first) out.append(',');
      first = false;
      String text;
      switch (e) {
        case VALUE_STRING -> {
          text = p.getString();
          JsonStrings.quote(text, out);
        }
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
          text = p.getText();
          out.append(text);
        }
        case VALUE_TRUE -> {
          text = "true";
          out.append(text);
        }
        case VALUE_FALSE -> {
          text = "false";
          out.append(text);
        }
        default -> {
          if (e != JsonToken.VALUE_NULL) scalars = false;
          copyValue(p, e, out);
          continue;
        }
      }
      if (scalars) {
        if (!firstJoined) joined.append(',');
        firstJoined = false;
        joined.append(text);
      }
    }
    out.append(']');
    return scalars;
  }
}
