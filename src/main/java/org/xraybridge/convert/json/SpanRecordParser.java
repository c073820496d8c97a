package org.xraybridge.convert.json;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.convert.JsonStrings;
import org.xraybridge.convert.otel.SpanRecord;
import org.xraybridge.convert.otel.SpanRecord.Attribute;
import org.xraybridge.convert.otel.SpanRecord.Event;
import org.xraybridge.convert.otel.SpanRecord.Link;
import org.xraybridge.convert.otel.SpanRecord.Type;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * One {@code aws/spans} log event message → {@link SpanRecord}, in one streaming pass over Jackson
 * tokens (docs/conversion.md §8). Like {@link SegmentParser}: lenient where the data is merely odd
 * (unknown fields skipped, numbers accepted as JSON numbers or strings holding one, a value of the
 * wrong type treated as absent and noted as a repair), strict where it cannot go on: a message longer
 * than {@link #maxEventBytes()} UTF-8 bytes ({@code oversized}), malformed JSON, a top level that is
 * not an object, or JSON nested deeper than {@value #MAX_JSON_DEPTH} ({@code malformed_json}).
 * Validation of ids and times is the converter's job. Thread-safe; one instance can be shared.
 */
public final class SpanRecordParser {

  /**
   * The largest CloudWatch Logs event: 1 MiB since April 2025 (256 KiB before), so anything larger
   * did not come from {@code aws/spans} whole.
   */
  public static final int MAX_EVENT_BYTES = 1024 * 1024;

  static final int MAX_JSON_DEPTH = 64;

  private static final OneObject FRAME = new OneObject(MAX_JSON_DEPTH, 4L * MAX_EVENT_BYTES, "span record");

  private final int maxEventBytes;
  /** Resource attributes, names, kinds and scopes repeat from span to span: one String each. */
  private final Fields fields = new Fields();

  public SpanRecordParser() {
    this(MAX_EVENT_BYTES);
  }

  /** A parser with a smaller bound (tests; a deployment that wants one). */
  public SpanRecordParser(int maxEventBytes) {
    if (maxEventBytes <= 0 || maxEventBytes > MAX_EVENT_BYTES) {
      throw new IllegalArgumentException("maxEventBytes must be 1.." + MAX_EVENT_BYTES + ", got " + maxEventBytes);
    }
    this.maxEventBytes = maxEventBytes;
  }

  public int maxEventBytes() {
    return maxEventBytes;
  }

  /** Parses one log event message. */
  public SpanRecord parse(String message) throws DocumentParseException {
    return FRAME.read(message, maxEventBytes, this::record);
  }

  /** At the record's START_OBJECT; returns after its END_OBJECT. */
  private SpanRecord record(JsonParser p) {
    String traceId = "", spanId = "", parentSpanId = "", name = "", kind = "";
    String start = "", end = "", duration = "";
    String scopeName = "", scopeVersion = "", statusCode = "", statusMessage = "", traceState = "";
    List<Attribute> attributes = List.of(), resource = List.of();
    List<Event> events = List.of();
    List<Link> links = List.of();
    List<String> repairs = new ArrayList<>(0);
    String field;
    while ((field = Fields.nextMember(p)) != null) {
      JsonToken t = p.currentToken();
      switch (field) {
        case "traceId" -> traceId = Fields.string(p, t, field, repairs);
        case "spanId" -> spanId = Fields.string(p, t, field, repairs);
        case "parentSpanId" -> parentSpanId = Fields.string(p, t, field, repairs);
        case "name" -> name = fields.categorical(p, t, field, repairs);
        case "kind" -> kind = t == JsonToken.VALUE_NUMBER_INT ? p.getText() : fields.categorical(p, t, field, repairs);
        case "startTimeUnixNano" -> start = Fields.number(p, t, field, repairs);
        case "endTimeUnixNano" -> end = Fields.number(p, t, field, repairs);
        case "durationNano" -> duration = Fields.number(p, t, field, repairs);
        case "traceState" -> traceState = Fields.string(p, t, field, repairs);
        case "attributes" -> attributes = Fields.object(p, t, field, repairs) ? attributes(p, false) : attributes;
        case "resource" -> {
          if (Fields.object(p, t, field, repairs)) {
            String f;
            while ((f = p.nextName()) != null) {
              JsonToken v = p.nextToken();
              if ("attributes".equals(f) && v == JsonToken.START_OBJECT) {
                resource = attributes(p, true);
              } else {
                p.skipChildren();
              }
            }
          }
        }
        case "scope" -> {
          if (Fields.object(p, t, field, repairs)) {
            String f;
            while ((f = Fields.nextMember(p)) != null) {
              JsonToken v = p.currentToken();
              switch (f) {
                case "name" -> scopeName = fields.categorical(p, v, "scope.name", repairs);
                case "version" -> scopeVersion = fields.categorical(p, v, "scope.version", repairs);
                default -> p.skipChildren();
              }
            }
          }
        }
        case "status" -> {
          if (Fields.object(p, t, field, repairs)) {
            String f;
            while ((f = Fields.nextMember(p)) != null) {
              JsonToken v = p.currentToken();
              switch (f) {
                case "code" -> statusCode = v == JsonToken.VALUE_NUMBER_INT ? p.getText() : fields.categorical(p, v, "status.code", repairs);
                case "message" -> statusMessage = Fields.string(p, v, "status.message", repairs);
                default -> p.skipChildren();
              }
            }
          }
        }
        case "events" -> events = t == JsonToken.START_ARRAY ? events(p, repairs) : Fields.skipWrong(p, field, repairs, events);
        case "links" -> links = t == JsonToken.START_ARRAY ? links(p, repairs) : Fields.skipWrong(p, field, repairs, links);
        default -> p.skipChildren();
      }
    }
    return new SpanRecord(
        traceId, spanId, parentSpanId, name, kind, start, end, duration, attributes, resource, scopeName, scopeVersion,
        statusCode, statusMessage, traceState, events, links, repairs.isEmpty() ? List.of() : repairs);
  }

  /** At START_OBJECT of a flat attribute map; {@code repeating}: values repeat span after span (resource). */
  private List<Attribute> attributes(JsonParser p, boolean repeating) {
    List<Attribute> out = new ArrayList<>();
    String key;
    while ((key = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      switch (t) {
        case VALUE_NULL -> {}
        case VALUE_STRING -> out.add(new Attribute(key, Type.STRING, repeating ? fields.cached(p) : p.getString()));
        case VALUE_NUMBER_INT -> out.add(new Attribute(key, Type.INT, p.getText()));
        case VALUE_NUMBER_FLOAT -> out.add(new Attribute(key, Type.DOUBLE, p.getText()));
        case VALUE_TRUE -> out.add(new Attribute(key, Type.BOOL, "true"));
        case VALUE_FALSE -> out.add(new Attribute(key, Type.BOOL, "false"));
        case START_ARRAY -> out.add(array(p, key));
        case START_OBJECT -> {
          StringBuilder json = new StringBuilder(64);
          CompactJson.copy(p, json);
          out.add(new Attribute(key, Type.MAP, json.toString()));
        }
        default -> p.skipChildren();
      }
    }
    return out;
  }

  /** At START_ARRAY: compact JSON, and the scalar elements' texts (strings unquoted, nulls left out). */
  private static Attribute array(JsonParser p, String key) {
    StringBuilder json = new StringBuilder(32);
    List<String> items = new ArrayList<>(4);
    json.append('[');
    boolean first = true;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (!first) json.append(',');
      first = false;
      switch (e) {
        case VALUE_STRING -> {
          String s = p.getString();
          JsonStrings.quote(s, json);
          items.add(s);
        }
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
          String s = p.getText();
          json.append(s);
          items.add(s);
        }
        case VALUE_TRUE -> {
          json.append("true");
          items.add("true");
        }
        case VALUE_FALSE -> {
          json.append("false");
          items.add("false");
        }
        default -> CompactJson.copyValue(p, e, json);
      }
    }
    json.append(']');
    return new Attribute(key, Type.ARRAY, json.toString(), items);
  }

  private List<Event> events(JsonParser p, List<String> repairs) {
    List<Event> out = new ArrayList<>(2);
    while (Fields.nextObject(p, "events", repairs)) {
      String name = "", time = "";
      List<Attribute> attributes = List.of();
      String f;
      while ((f = Fields.nextMember(p)) != null) {
        JsonToken v = p.currentToken();
        switch (f) {
          case "name" -> name = fields.categorical(p, v, "events[].name", repairs);
          case "timeUnixNano" -> time = Fields.number(p, v, "events[].timeUnixNano", repairs);
          case "attributes" -> attributes = Fields.object(p, v, "events[].attributes", repairs) ? attributes(p, false) : attributes;
          default -> p.skipChildren();
        }
      }
      out.add(new Event(name, time, attributes));
    }
    return out;
  }

  private List<Link> links(JsonParser p, List<String> repairs) {
    List<Link> out = new ArrayList<>(1);
    while (Fields.nextObject(p, "links", repairs)) {
      String traceId = "", spanId = "", traceState = "";
      List<Attribute> attributes = List.of();
      String f;
      while ((f = Fields.nextMember(p)) != null) {
        JsonToken v = p.currentToken();
        switch (f) {
          case "traceId" -> traceId = Fields.string(p, v, "links[].traceId", repairs);
          case "spanId" -> spanId = Fields.string(p, v, "links[].spanId", repairs);
          case "traceState" -> traceState = Fields.string(p, v, "links[].traceState", repairs);
          case "attributes" -> attributes = Fields.object(p, v, "links[].attributes", repairs) ? attributes(p, false) : attributes;
          default -> p.skipChildren();
        }
      }
      out.add(new Link(traceId, spanId, traceState, attributes));
    }
    return out;
  }
}
