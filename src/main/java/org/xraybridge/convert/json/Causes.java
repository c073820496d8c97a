package org.xraybridge.convert.json;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.convert.Segment.Cause;
import org.xraybridge.convert.Segment.CauseKind;
import org.xraybridge.convert.Segment.Frame;
import org.xraybridge.convert.Segment.XException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * A {@code cause}: an object with {@code exceptions} and their stacks, a reference to an exception
 * recorded elsewhere in the trace, or malformed (docs/conversion.md §5, Errors). Thread-safe.
 */
final class Causes {

  private final Fields fields;

  Causes(Fields fields) {
    this.fields = fields;
  }

  Cause cause(JsonParser p, JsonToken t) {
    if (t == JsonToken.VALUE_STRING) {
      // a reference is an exception id: 16 hex digits; any other string is malformed
      String ref = p.getString();
      return isHex16(ref) ? new Cause(CauseKind.REFERENCE, ref, List.of()) : Cause.MALFORMED;
    }
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return Cause.MALFORMED;
    }
    List<XException> exceptions = new ArrayList<>();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      if ("exceptions".equals(field) && v == JsonToken.START_ARRAY) {
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          if (e == JsonToken.START_OBJECT) {
            exceptions.add(exception(p));
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return new Cause(CauseKind.OBJECT, "", exceptions);
  }

  private XException exception(JsonParser p) {
    String id = "", type = "", message = "";
    List<Frame> stack = List.of();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      switch (field) {
        case "id" -> id = Fields.scalarText(p, t);
        case "type" -> type = fields.categoricalText(p, t);
        case "message" -> message = Fields.scalarText(p, t);
        case "stack" -> {
          if (t == JsonToken.START_ARRAY) {
            List<Frame> frames = new ArrayList<>();
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
              if (e == JsonToken.START_OBJECT) {
                String label = "", path = "", line = "";
                String f;
                while ((f = p.nextName()) != null) {
                  JsonToken v = p.nextToken();
                  switch (f) {
                    case "label" -> label = fields.categoricalText(p, v);
                    case "path" -> path = fields.categoricalText(p, v);
                    case "line" -> line = Fields.scalarText(p, v);
                    default -> p.skipChildren();
                  }
                }
                frames.add(new Frame(label, path, line));
              } else {
                p.skipChildren();
              }
            }
            stack = frames;
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    return new XException(id, type, message, stack);
  }

  private static boolean isHex16(String s) {
    if (s.length() != 16) return false;
    for (int i = 0; i < 16; i++) {
      if (Character.digit(s.charAt(i), 16) < 0) return false;
    }
    return true;
  }
}
