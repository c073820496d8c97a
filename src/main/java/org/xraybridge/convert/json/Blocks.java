package org.xraybridge.convert.json;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.convert.JoinedKeys;
import org.xraybridge.convert.Segment.DatadogBlock;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.convert.Segment.Http;
import org.xraybridge.convert.Segment.Kind;
import org.xraybridge.convert.Segment.Link;
import org.xraybridge.convert.Segment.Tri;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The blocks of a (sub)segment ({@code http}, {@code aws}, {@code sql}, {@code service},
 * {@code annotations}, {@code metadata}, {@code links}, {@code precursor_ids}) as the flat
 * {@link Entry} lists the converter maps by docs/conversion.md §5, in document order. Thread-safe.
 */
final class Blocks {

  private final Fields fields;

  Blocks(Fields fields) {
    this.fields = fields;
  }

  Http http(JsonParser p, List<String> repairs) {
    boolean hasRequest = false;
    String method = "", url = "", userAgent = "", clientIp = "", status = "", contentLength = "";
    Tri xff = Tri.ABSENT, traced = Tri.ABSENT;
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if ("request".equals(field) && t == JsonToken.START_OBJECT) {
        hasRequest = true;
        String f;
        while ((f = Fields.nextMember(p)) != null) {
          JsonToken v = p.currentToken();
          switch (f) {
            case "method" -> method = fields.categorical(p, v, "http.request.method", repairs);
            case "url" -> url = Fields.string(p, v, "http.request.url", repairs);
            case "user_agent" -> userAgent = fields.categorical(p, v, "http.request.user_agent", repairs);
            case "client_ip" -> clientIp = Fields.string(p, v, "http.request.client_ip", repairs);
            case "x_forwarded_for" -> xff = Fields.bool(p, v, "http.request.x_forwarded_for", repairs);
            case "traced" -> traced = Fields.bool(p, v, "http.request.traced", repairs);
            default -> p.skipChildren();
          }
        }
      } else if ("response".equals(field) && t == JsonToken.START_OBJECT) {
        String f;
        while ((f = Fields.nextMember(p)) != null) {
          JsonToken v = p.currentToken();
          switch (f) {
            case "status" -> status = Fields.number(p, v, "http.response.status", repairs);
            case "content_length" -> contentLength = Fields.number(p, v, "http.response.content_length", repairs);
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

  List<Entry> aws(JsonParser p) {
    List<Entry> out = new ArrayList<>();
    String field;
    while ((field = Fields.nextMember(p)) != null) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.START_OBJECT && flattened(field)) {
        String f;
        while ((f = Fields.nextMember(p)) != null) {
          JsonToken v = p.currentToken();
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
      case VALUE_STRING -> out.add(new Entry(key, Kind.STRING, categorical ? fields.cached(p) : p.getString()));
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
  List<Entry> scalars(JsonParser p) {
    List<Entry> out = new ArrayList<>();
    String field;
    while ((field = Fields.nextMember(p)) != null) {
      JsonToken t = p.currentToken();
      value(p, t, field, true, out);
    }
    return out;
  }

  List<Entry> annotations(JsonParser p, List<String> repairs) {
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
          // X-Ray allows only scalars as annotation values (docs/conversion.md §5)
          p.skipChildren();
          repairs.add("wrong_type:annotations." + field);
        }
      }
    }
    return out;
  }

  /** {@code metadata}: its namespaces as entries, and the datadog block apart. */
  record Metadata(List<Entry> entries, DatadogBlock datadog) {}

  Metadata metadata(JsonParser p) {
    List<Entry> out = new ArrayList<>();
    DatadogBlock datadog = DatadogBlock.NONE;
    String field;
    while ((field = Fields.nextMember(p)) != null) {
      JsonToken t = p.currentToken();
      if ("datadog".equals(field) && t == JsonToken.START_OBJECT) {
        datadog = datadog(p);
        continue;
      }
      StringBuilder json = new StringBuilder(64); // JSON values are rarely shorter: skip the first regrowths
      CompactJson.copyValue(p, t, json);
      out.add(new Entry(field, Kind.JSON, json.toString()));
    }
    return new Metadata(out, datadog);
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
          String text = Fields.scalarText(p, v);
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
        while ((f = Fields.nextMember(p)) != null) {
          JsonToken v = p.currentToken();
          value(p, v, f, true, out);
        }
        tags = out;
      } else {
        p.skipChildren();
      }
    }
    return new DatadogBlock(present, traceId, parentId, priority, tags);
  }

  List<Link> links(JsonParser p) {
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
          case "trace_id" -> traceId = Fields.scalarText(p, t);
          case "id" -> id = Fields.scalarText(p, t);
          case "attributes" -> attributes = t == JsonToken.START_OBJECT ? scalars(p) : Fields.skipAny(p, attributes);
          default -> p.skipChildren();
        }
      }
      out.add(new Link(traceId, id, attributes));
    }
    return out;
  }

  List<String> strings(JsonParser p) {
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
}
