package org.xraybridge.convert.json;

import java.util.List;
import org.xraybridge.convert.Segment.Tri;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * One field's value, read leniently (docs/conversion.md §0): numbers in any JSON spelling or as
 * strings holding one, booleans as strings, and a value of the wrong type skipped as absent with a
 * {@code wrong_type:<field>} repair. Thread-safe, like the {@link TextCache} it shares.
 */
final class Fields {

  private final TextCache texts = new TextCache();

  static String string(JsonParser p, JsonToken t, String field, List<String> repairs) {
    if (t == JsonToken.VALUE_STRING) return p.getString();
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return "";
  }

  /** Like {@link #string} for a field whose values repeat across documents: see {@link TextCache}. */
  String categorical(JsonParser p, JsonToken t, String field, List<String> repairs) {
    return t == JsonToken.VALUE_STRING ? texts.string(p) : string(p, t, field, repairs);
  }

  /** A number's text; a string holding a number is accepted (seen: {@code "content_length": "861"}). */
  static String number(JsonParser p, JsonToken t, String field, List<String> repairs) {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getText();
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getString().strip();
      if (looksNumeric(s)) return s;
    }
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return "";
  }

  static Tri bool(JsonParser p, JsonToken t, String field, List<String> repairs) {
    if (t == JsonToken.VALUE_TRUE) return Tri.TRUE;
    if (t == JsonToken.VALUE_FALSE) return Tri.FALSE;
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getString();
      if ("true".equalsIgnoreCase(s)) return Tri.TRUE;
      if ("false".equalsIgnoreCase(s)) return Tri.FALSE;
    }
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return Tri.ABSENT;
  }

  static boolean object(JsonParser p, JsonToken t, String field, List<String> repairs) {
    if (t == JsonToken.START_OBJECT) return true;
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return false;
  }

  static <T> T skipWrong(JsonParser p, String field, List<String> repairs, T fallback) {
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return fallback;
  }

  /**
   * Inside an object: moves to the next member whose value is not {@code null} and answers its name,
   * the value being the current token; {@code null} past the END_OBJECT. A JSON {@code null} is an
   * absent value ("null values are skipped everywhere", docs/conversion.md §5), so no reader sees one.
   */
  static String nextMember(JsonParser p) {
    String name;
    while ((name = p.nextName()) != null) {
      if (p.nextToken() != JsonToken.VALUE_NULL) return name;
    }
    return null;
  }

  /**
   * Inside an array of objects: moves to the next object element and answers {@code true}, or past
   * the END_ARRAY and answers {@code false}; an element that is not an object is skipped with a
   * {@code wrong_type:<field>[]} repair.
   */
  static boolean nextObject(JsonParser p, String field, List<String> repairs) {
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e == JsonToken.START_OBJECT) return true;
      p.skipChildren();
      repairs.add("wrong_type:" + field + "[]");
    }
    return false;
  }

  static <T> T skipAny(JsonParser p, T fallback) {
    p.skipChildren();
    return fallback;
  }

  /** Like {@link #scalarText} for a value that repeats across documents: see {@link TextCache}. */
  String categoricalText(JsonParser p, JsonToken t) {
    return t == JsonToken.VALUE_STRING ? texts.string(p) : scalarText(p, t);
  }

  /** The current VALUE_STRING token's text, shared with every earlier equal one. */
  String cached(JsonParser p) {
    return texts.string(p);
  }

  /** Text of a scalar (string, number, boolean); {@code ""} for anything else, which is skipped. */
  static String scalarText(JsonParser p, JsonToken t) {
    return switch (t) {
      case VALUE_STRING -> p.getString();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
      case VALUE_TRUE -> "true";
      case VALUE_FALSE -> "false";
      default -> {
        p.skipChildren();
        yield "";
      }
    };
  }

  static boolean looksNumeric(String s) {
    if (s.isEmpty() || s.length() > 100) return false;
    boolean digit = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') {
        return false;
      }
    }
    return digit;
  }
}
