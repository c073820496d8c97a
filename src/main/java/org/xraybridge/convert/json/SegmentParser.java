package org.xraybridge.convert.json;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.convert.JoinedKeys;
import org.xraybridge.convert.Segment;
import org.xraybridge.convert.Segment.Cause;
import org.xraybridge.convert.Segment.CauseKind;
import org.xraybridge.convert.Segment.DatadogBlock;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.convert.Segment.Frame;
import org.xraybridge.convert.Segment.Http;
import org.xraybridge.convert.Segment.Kind;
import org.xraybridge.convert.Segment.Link;
import org.xraybridge.convert.Segment.Tri;
import org.xraybridge.convert.Segment.XException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * Segment document bytes → {@link Segment}, in one streaming pass over Jackson tokens (no tree, no
 * object mapper). This is the only class of the conversion stage that knows Jackson.
 *
 * <p>Lenient where the data is merely odd (unknown fields skipped; numbers accepted in any JSON
 * spelling or as strings; a value of the wrong type is treated as absent and noted in
 * {@link Segment#repairs()}), strict where it cannot go on: malformed JSON, a top level that is not an
 * object, JSON nested deeper than {@value #MAX_JSON_DEPTH}, or subsegments nested deeper than
 * {@value #MAX_SUBSEGMENT_DEPTH} levels throw {@link SegmentParseException}. Validation of ids and
 * times is the converter's job. Thread-safe; a parser instance can be shared.
 */
public final class SegmentParser {

  /** The X-Ray limit for one segment document (WIRE.md §B1). */
  public static final int MAX_DOCUMENT_BYTES = 64 * 1024;

  public static final int MAX_SUBSEGMENT_DEPTH = 32;
  static final int MAX_JSON_DEPTH = 100;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_JSON_DEPTH)
                  .maxNumberLength(100)
                  .maxDocumentLength(16L * MAX_DOCUMENT_BYTES)
                  .build())
          .build();

  /** Repeating values (names, origins, methods …) as one String each, shared by every parse. */
  private final TextCache texts = new TextCache();

  /** Why a document could not be parsed at all. */
  public static final class SegmentParseException extends Exception {
    private final Problem problem;

    SegmentParseException(Problem problem, String message) {
      super(message, null, false, false);
      this.problem = problem;
    }

    public Problem problem() {
      return problem;
    }
  }

  public enum Problem {
    MALFORMED_JSON,
    NOT_AN_OBJECT,
    TOO_DEEP
  }

  /** Parses one document given as UTF-8 bytes; the bytes are not retained. */
  public Segment parse(byte[] json) throws SegmentParseException {
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
      return document(p);
    } catch (JacksonException e) {
      throw new SegmentParseException(Problem.MALFORMED_JSON, "Malformed JSON: " + firstLine(e.getOriginalMessage()));
    }
  }

  /**
   * Parses a document given as text (API responses carry documents as JSON strings), reading the
   * chars themselves: encoding them to UTF-8 first would copy every document once more for nothing.
   * The one difference an encode made is gone: an unpaired surrogate (not valid Unicode) stays as it
   * is instead of becoming {@code '?'} — which is what the wire encoders write for it anyway.
   */
  public Segment parse(String json) throws SegmentParseException {
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
      return document(p);
    } catch (JacksonException e) {
      throw new SegmentParseException(Problem.MALFORMED_JSON, "Malformed JSON: " + firstLine(e.getOriginalMessage()));
    }
  }

  private Segment document(JsonParser p) throws SegmentParseException {
    JsonToken first = p.nextToken();
    if (first != JsonToken.START_OBJECT) {
      throw new SegmentParseException(
          first == null ? Problem.MALFORMED_JSON : Problem.NOT_AN_OBJECT,
          first == null ? "Malformed JSON: empty document" : "Malformed segment: top level is " + first + ", not an object");
    }
    Segment s = segment(p, 0);
    if (p.nextToken() != null) {
      throw new SegmentParseException(Problem.MALFORMED_JSON, "Malformed JSON: trailing content after the document");
    }
    return s;
  }

  // ---- segment / subsegment object -------------------------------------------------------------

  /** At START_OBJECT of a (sub)segment; returns after its END_OBJECT. */
  private Segment segment(JsonParser p, int depth) throws SegmentParseException {
    if (depth > MAX_SUBSEGMENT_DEPTH) {
      throw new SegmentParseException(
          Problem.TOO_DEEP, "Too deep: subsegments nested more than " + MAX_SUBSEGMENT_DEPTH + " levels");
    }
    String id = "", name = "", traceId = "", parentId = "", type = "", start = "", end = "";
    String origin = "", namespace = "", resourceArn = "", user = "";
    boolean inProgress = false, inferred = false;
    Tri fault = Tri.ABSENT, error = Tri.ABSENT, throttle = Tri.ABSENT, traced = Tri.ABSENT;
    Http http = Http.NONE;
    List<Entry> aws = List.of(), sql = List.of(), annotations = List.of(), metadata = List.of(), service = List.of();
    DatadogBlock datadog = DatadogBlock.NONE;
    Cause cause = Cause.NONE;
    List<String> precursors = List.of();
    List<Link> links = List.of();
    List<Segment> subsegments = List.of();
    List<String> repairs = new ArrayList<>(0);

    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_NULL) continue;
      switch (field) {
        case "id" -> id = string(p, t, field, repairs);
        case "name" -> name = categorical(p, t, field, repairs);
        case "trace_id" -> traceId = string(p, t, field, repairs);
        case "parent_id" -> parentId = string(p, t, field, repairs);
        case "type" -> type = categorical(p, t, field, repairs);
        case "origin" -> origin = categorical(p, t, field, repairs);
        case "namespace" -> namespace = categorical(p, t, field, repairs);
        case "resource_arn" -> resourceArn = categorical(p, t, field, repairs);
        case "user" -> user = string(p, t, field, repairs);
        case "start_time" -> start = number(p, t, field, repairs);
        case "end_time" -> end = number(p, t, field, repairs);
        case "in_progress" -> inProgress = bool(p, t, field, repairs).isTrue();
        case "inferred" -> inferred = bool(p, t, field, repairs).isTrue();
        case "fault" -> fault = bool(p, t, field, repairs);
        case "error" -> error = bool(p, t, field, repairs);
        case "throttle" -> throttle = bool(p, t, field, repairs);
        case "traced" -> traced = bool(p, t, field, repairs);
        case "http" -> http = object(p, t, field, repairs) ? http(p, repairs) : http;
        case "aws" -> aws = object(p, t, field, repairs) ? aws(p) : aws;
        case "sql" -> sql = object(p, t, field, repairs) ? scalars(p) : sql;
        case "annotations" -> annotations = object(p, t, field, repairs) ? annotations(p, repairs) : annotations;
        case "service" -> service = object(p, t, field, repairs) ? scalars(p) : service;
        case "metadata" -> {
          if (object(p, t, field, repairs)) {
            MetadataResult m = metadata(p);
            metadata = m.entries;
            datadog = m.datadog;
          }
        }
        case "cause" -> cause = cause(p, t);
        case "precursor_ids" -> precursors = t == JsonToken.START_ARRAY ? strings(p) : skipWrong(p, field, repairs, precursors);
        case "links" -> links = t == JsonToken.START_ARRAY ? links(p) : skipWrong(p, field, repairs, links);
        case "subsegments" -> {
          if (t == JsonToken.START_ARRAY) {
            List<Segment> subs = new ArrayList<>();
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
              if (e == JsonToken.START_OBJECT) {
                subs.add(segment(p, depth + 1));
              } else {
                p.skipChildren();
                repairs.add("wrong_type:subsegments[]");
              }
            }
            subsegments = subs;
          } else {
            subsegments = skipWrong(p, field, repairs, subsegments);
          }
        }
        default -> p.skipChildren();
      }
    }
    return new Segment(
        id, name, traceId, parentId, type, start, end, inProgress, origin, namespace, inferred, resourceArn, user,
        fault, error, throttle, traced, http, aws, sql, annotations, metadata, service, datadog, cause, precursors,
        links, subsegments, repairs.isEmpty() ? List.of() : repairs); // copying an empty list still allocates
  }

  // ---- blocks ----------------------------------------------------------------------------------

  private Http http(JsonParser p, List<String> repairs) {
    boolean hasRequest = false;
    String method = "", url = "", userAgent = "", clientIp = "", status = "", contentLength = "";
    Tri xff = Tri.ABSENT, traced = Tri.ABSENT;
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if ("request".equals(field) && t == JsonToken.START_OBJECT) {
        hasRequest = true;
        String f;
        while ((f = p.nextName()) != null) {
          JsonToken v = p.nextToken();
          if (v == JsonToken.VALUE_NULL) continue;
          switch (f) {
            case "method" -> method = categorical(p, v, "http.request.method", repairs);
            case "url" -> url = string(p, v, "http.request.url", repairs);
            case "user_agent" -> userAgent = categorical(p, v, "http.request.user_agent", repairs);
            case "client_ip" -> clientIp = string(p, v, "http.request.client_ip", repairs);
            case "x_forwarded_for" -> xff = bool(p, v, "http.request.x_forwarded_for", repairs);
            case "traced" -> traced = bool(p, v, "http.request.traced", repairs);
            default -> p.skipChildren();
          }
        }
      } else if ("response".equals(field) && t == JsonToken.START_OBJECT) {
        String f;
        while ((f = p.nextName()) != null) {
          JsonToken v = p.nextToken();
          if (v == JsonToken.VALUE_NULL) continue;
          switch (f) {
            case "status" -> status = number(p, v, "http.response.status", repairs);
            case "content_length" -> contentLength = number(p, v, "http.response.content_length", repairs);
            default -> p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return new Http(hasRequest, method, url, userAgent, clientIp, xff, traced, status, contentLength);
  }

  /** Objects under {@code aws} whose scalar members are flattened to {@code <object>.<key>}. */
  private static boolean flattened(String key) {
    return switch (key) {
      case "ec2", "ecs", "eks", "elastic_beanstalk", "xray", "api_gateway" -> true;
      default -> false;
    };
  }

  private List<Entry> aws(JsonParser p) {
    List<Entry> out = new ArrayList<>();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_NULL) continue;
      if (t == JsonToken.START_OBJECT && flattened(field)) {
        String f;
        while ((f = p.nextName()) != null) {
          JsonToken v = p.nextToken();
          if (v == JsonToken.VALUE_NULL) continue;
          value(p, v, JoinedKeys.dotted(field, f), false, out);
        }
      } else {
        value(p, t, field, false, out);
      }
    }
    return out;
  }

  /** Any value: scalars as themselves, arrays of scalars as LIST, anything else as compact JSON. */
  private void value(JsonParser p, JsonToken t, String key, boolean categorical, List<Entry> out) {
    switch (t) {
      case VALUE_STRING -> out.add(new Entry(key, Kind.STRING, categorical ? texts.string(p) : p.getString()));
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.add(new Entry(key, Kind.NUMBER, p.getText()));
      case VALUE_TRUE -> out.add(new Entry(key, Kind.BOOLEAN, "true"));
      case VALUE_FALSE -> out.add(new Entry(key, Kind.BOOLEAN, "false"));
      case START_ARRAY -> {
        StringBuilder json = new StringBuilder(64); // JSON values are rarely shorter: skip the first regrowths
        StringBuilder joined = new StringBuilder();
        if (CompactJson.copyArray(p, json, joined)) {
          out.add(new Entry(key, Kind.LIST, joined.toString()));
        } else {
          out.add(new Entry(key, Kind.JSON, json.toString()));
        }
      }
      case START_OBJECT -> {
        StringBuilder json = new StringBuilder(64); // JSON values are rarely shorter: skip the first regrowths
        CompactJson.copy(p, json);
        out.add(new Entry(key, Kind.JSON, json.toString()));
      }
      default -> p.skipChildren();
    }
  }

  /** Scalar members of an object (sql, service); non-scalars are kept as compact JSON. */
  private List<Entry> scalars(JsonParser p) {
    List<Entry> out = new ArrayList<>();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_NULL) continue;
      value(p, t, field, true, out);
    }
    return out;
  }

  private List<Entry> annotations(JsonParser p, List<String> repairs) {
    List<Entry> out = new ArrayList<>();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      switch (t) {
        case VALUE_NULL -> {}
        case VALUE_STRING -> out.add(new Entry(field, Kind.STRING, p.getString()));
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.add(new Entry(field, Kind.NUMBER, p.getText()));
        case VALUE_TRUE -> out.add(new Entry(field, Kind.BOOLEAN, "true"));
        case VALUE_FALSE -> out.add(new Entry(field, Kind.BOOLEAN, "false"));
        default -> {
          // X-Ray allows only scalars as annotation values (WIRE.md §B8)
          p.skipChildren();
          repairs.add("wrong_type:annotations." + field);
        }
      }
    }
    return out;
  }

  private record MetadataResult(List<Entry> entries, DatadogBlock datadog) {}

  private MetadataResult metadata(JsonParser p) {
    List<Entry> out = new ArrayList<>();
    DatadogBlock datadog = DatadogBlock.NONE;
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_NULL) continue;
      if ("datadog".equals(field) && t == JsonToken.START_OBJECT) {
        datadog = datadog(p);
        continue;
      }
      StringBuilder json = new StringBuilder(64); // JSON values are rarely shorter: skip the first regrowths
      CompactJson.copyValue(p, t, json);
      out.add(new Entry(field, Kind.JSON, json.toString()));
    }
    return new MetadataResult(out, datadog);
  }

  /** {@code metadata.datadog}: {@code trace {trace-id, parent-id, sampling-priority}}, {@code lambda_function_tags}. */
  private DatadogBlock datadog(JsonParser p) {
    boolean present = false;
    String traceId = "", parentId = "", priority = "";
    List<Entry> tags = List.of();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if ("trace".equals(field) && t == JsonToken.START_OBJECT) {
        present = true;
        String f;
        while ((f = p.nextName()) != null) {
          JsonToken v = p.nextToken();
          String text = scalarText(p, v);
          switch (f) {
            case "trace-id" -> traceId = text;
            case "parent-id" -> parentId = text;
            case "sampling-priority" -> priority = text;
            default -> {}
          }
        }
      } else if ("lambda_function_tags".equals(field) && t == JsonToken.START_OBJECT) {
        List<Entry> out = new ArrayList<>();
        String f;
        while ((f = p.nextName()) != null) {
          JsonToken v = p.nextToken();
          if (v == JsonToken.VALUE_NULL) continue;
          value(p, v, f, true, out);
        }
        tags = out;
      } else {
        p.skipChildren();
      }
    }
    return new DatadogBlock(present, traceId, parentId, priority, tags);
  }

  private Cause cause(JsonParser p, JsonToken t) {
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
        case "id" -> id = scalarText(p, t);
        case "type" -> type = t == JsonToken.VALUE_STRING ? texts.string(p) : scalarText(p, t);
        case "message" -> message = scalarText(p, t);
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
                    case "label" -> label = v == JsonToken.VALUE_STRING ? texts.string(p) : scalarText(p, v);
                    case "path" -> path = v == JsonToken.VALUE_STRING ? texts.string(p) : scalarText(p, v);
                    case "line" -> line = scalarText(p, v);
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

  private List<Link> links(JsonParser p) {
    List<Link> out = new ArrayList<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      String traceId = "", id = "";
      List<Entry> attributes = List.of();
      String field;
      while ((field = p.nextName()) != null) {
        JsonToken t = p.nextToken();
        switch (field) {
          case "trace_id" -> traceId = scalarText(p, t);
          case "id" -> id = scalarText(p, t);
          case "attributes" -> attributes = t == JsonToken.START_OBJECT ? scalars(p) : skipAny(p, attributes);
          default -> p.skipChildren();
        }
      }
      out.add(new Link(traceId, id, attributes));
    }
    return out;
  }

  private List<String> strings(JsonParser p) {
    List<String> out = new ArrayList<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e == JsonToken.VALUE_STRING) {
        out.add(p.getString());
      } else {
        p.skipChildren();
      }
    }
    return out;
  }

  // ---- scalar helpers --------------------------------------------------------------------------

  private static String string(JsonParser p, JsonToken t, String field, List<String> repairs) {
    if (t == JsonToken.VALUE_STRING) return p.getString();
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return "";
  }

  /** Like {@link #string} for a field whose values repeat across documents: see {@link TextCache}. */
  private String categorical(JsonParser p, JsonToken t, String field, List<String> repairs) {
    return t == JsonToken.VALUE_STRING ? texts.string(p) : string(p, t, field, repairs);
  }

  /** A number's text; a string holding a number is accepted (seen: {@code "content_length": "861"}). */
  private static String number(JsonParser p, JsonToken t, String field, List<String> repairs) {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getText();
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getString().strip();
      if (looksNumeric(s)) return s;
    }
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return "";
  }

  private static Tri bool(JsonParser p, JsonToken t, String field, List<String> repairs) {
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

  private static boolean object(JsonParser p, JsonToken t, String field, List<String> repairs) {
    if (t == JsonToken.START_OBJECT) return true;
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return false;
  }

  private static <T> T skipWrong(JsonParser p, String field, List<String> repairs, T fallback) {
    p.skipChildren();
    repairs.add("wrong_type:" + field);
    return fallback;
  }

  private static <T> T skipAny(JsonParser p, T fallback) {
    p.skipChildren();
    return fallback;
  }

  /** Text of a scalar (string, number, boolean); {@code ""} for anything else, which is skipped. */
  private static String scalarText(JsonParser p, JsonToken t) {
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

  private static boolean isHex16(String s) {
    if (s.length() != 16) return false;
    for (int i = 0; i < 16; i++) {
      if (Character.digit(s.charAt(i), 16) < 0) return false;
    }
    return true;
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

  private static String firstLine(String s) {
    if (s == null) return "unreadable";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
