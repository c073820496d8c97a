package org.xraybridge.receiver;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TracerInfo;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Decoder of JSON trace payloads: {@code /v0.3/traces}, and {@code /v0.4/traces} sent with a JSON
 * media type (docs/receiver.md, "Payloads"). Same shape and field names as v0.4 msgpack: an array of traces, each an
 * array of span objects. Ids may exceed 2^63 (JSON numbers, read exactly). {@code meta_struct} (bytes,
 * which JSON cannot carry) and {@code span_events} are skipped.
 *
 * <p>Recovery as in {@link V04Decoder}: a span with a field of the wrong type is skipped and counted
 * malformed; a JSON syntax error (including invalid UTF-8, which Jackson does not replace) breaks the
 * framing, so the traces before it are kept and the rest is reported. Not thread-safe.
 */
final class JsonTraceDecoder {

  private static final JsonFactory JSON = new JsonFactory();
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private final LongSupplier nowNanos;
  private final DoubleBoxes doubles = new DoubleBoxes();
  private DecodeResult out;
  private String typeError;
  private String field = "";

  JsonTraceDecoder(LongSupplier nowNanos) {
    this.nowNanos = nowNanos;
  }

  /** Decodes {@code length} bytes of {@code data}; never throws on bad input. */
  DecodeResult decode(byte[] data, int length, TracerInfo tracer) {
    out = new DecodeResult();
    ChunkAssembler trace = new ChunkAssembler(out);
    int index = 0;
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), data, 0, length)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        out.malformed("Truncated: empty body");
        return done();
      }
      if (t != JsonToken.START_ARRAY) {
        out.malformed("Malformed: the body is " + t + ", expected an array of traces");
        return done();
      }
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) throw new TruncatedJson();
        out.traces++;
        if (t == JsonToken.VALUE_NULL) {
          index++;
          continue;
        }
        if (t != JsonToken.START_ARRAY) {
          out.malformed("Malformed: trace " + (index + 1) + " is " + t + ", expected an array of spans");
          p.skipChildren();
          index++;
          continue;
        }
        trace.begin();
        int s = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (t == null) throw new TruncatedJson();
          s++;
          Span span = t == JsonToken.START_OBJECT ? readSpan(p) : notAnObject(p, t);
          if (span != null) {
            trace.add(span);
          } else {
            trace.malformedSpan();
            out.malformed("Malformed: trace " + (index + 1) + ", span " + s + ": " + typeError);
          }
        }
        trace.finish(tracer);
        index++;
      }
    } catch (TruncatedJson e) {
      trace.abandon();
      out.malformed("Truncated: the body ends inside trace " + (index + 1));
    } catch (JacksonException e) {
      trace.abandon();
      out.malformed("Malformed: " + e.getOriginalMessage() + " in trace " + (index + 1));
    }
    return done();
  }

  private DecodeResult done() {
    DecodeResult r = out;
    out = null;
    return r;
  }

  private Span notAnObject(JsonParser p, JsonToken t) {
    typeError = "the span is " + t + ", expected an object";
    p.skipChildren();
    return null;
  }

  private Span readSpan(JsonParser p) {
    typeError = null;
    long traceId = 0, spanId = 0, parentId = 0, start = 0, duration = 0;
    int error = 0;
    String service = "", name = "", resource = "", type = "";
    Map<String, String> meta = FlatMap.empty();
    Map<String, Double> metrics = FlatMap.empty();
    List<SpanLink> links = List.of();
    String key;
    while ((key = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      if (t == null) throw new TruncatedJson();
      field = key;
      switch (key) {
        case "service" -> service = string(p, t);
        case "name" -> name = string(p, t);
        case "resource" -> resource = string(p, t);
        case "type" -> type = string(p, t);
        case "trace_id" -> traceId = number(p, t);
        case "span_id" -> spanId = number(p, t);
        case "parent_id" -> parentId = number(p, t);
        case "start" -> start = number(p, t);
        case "duration" -> duration = number(p, t);
        case "error" -> error = (int) number(p, t);
        case "meta" -> meta = meta(p, t);
        case "metrics" -> metrics = metrics(p, t);
        case "span_links" -> links = links(p, t);
        default -> p.skipChildren(); // meta_struct, span_events, unknown keys
      }
    }
    if (typeError != null) return null;
    return ChunkAssembler.span(out, nowNanos, traceId, spanId, parentId, start, duration, error,
        service, name, resource, type, meta, metrics, Map.of(), links);
  }

  private String string(JsonParser p, JsonToken t) {
    if (t == JsonToken.VALUE_STRING) return p.getString();
    if (t == JsonToken.VALUE_NULL) return "";
    wrongType(p, t, "a string");
    return "";
  }

  private long number(JsonParser p, JsonToken t) {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        BigInteger b = p.getBigIntegerValue();
        if (b.signum() < 0 || b.compareTo(TWO_64) >= 0) {
          wrongType(p, t, "an integer of 64 bits");
          return 0;
        }
        return b.longValue(); // 2^63 … 2^64−1: the unsigned id's raw bits
      }
      return p.getLongValue();
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) return (long) p.getDoubleValue();
    if (t == JsonToken.VALUE_NULL) return 0;
    wrongType(p, t, "an integer");
    return 0;
  }

  private double decimal(JsonParser p, JsonToken t) {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getDoubleValue();
    if (t == JsonToken.VALUE_NULL) return 0;
    wrongType(p, t, "a number");
    return 0;
  }

  private Map<String, String> meta(JsonParser p, JsonToken t) {
    if (t == JsonToken.VALUE_NULL) return FlatMap.empty();
    if (t != JsonToken.START_OBJECT) {
      wrongType(p, t, "an object of strings");
      return FlatMap.empty();
    }
    FlatMap.Builder<String> b = new FlatMap.Builder<>();
    String key;
    while ((key = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      if (v == null) throw new TruncatedJson();
      b.put(key, string(p, v));
    }
    return b.build();
  }

  private Map<String, Double> metrics(JsonParser p, JsonToken t) {
    if (t == JsonToken.VALUE_NULL) return FlatMap.empty();
    if (t != JsonToken.START_OBJECT) {
      wrongType(p, t, "an object of numbers");
      return FlatMap.empty();
    }
    FlatMap.Builder<Double> b = new FlatMap.Builder<>();
    String key;
    while ((key = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      if (v == null) throw new TruncatedJson();
      b.put(key, doubles.box(decimal(p, v)));
    }
    return b.build();
  }

  private List<SpanLink> links(JsonParser p, JsonToken t) {
    if (t == JsonToken.VALUE_NULL) return List.of();
    if (t != JsonToken.START_ARRAY) {
      wrongType(p, t, "an array of span links");
      return List.of();
    }
    ArrayList<SpanLink> links = new ArrayList<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e == null) throw new TruncatedJson();
      if (e != JsonToken.START_OBJECT) {
        wrongType(p, e, "an array of span links");
        continue;
      }
      long traceId = 0, traceIdHigh = 0, spanId = 0, flags = 0;
      Map<String, String> attributes = FlatMap.empty();
      String tracestate = "";
      String key;
      while ((key = p.nextName()) != null) {
        JsonToken v = p.nextToken();
        if (v == null) throw new TruncatedJson();
        switch (key) {
          case "trace_id" -> traceId = number(p, v);
          case "trace_id_high" -> traceIdHigh = number(p, v);
          case "span_id" -> spanId = number(p, v);
          case "attributes" -> attributes = meta(p, v);
          case "tracestate" -> tracestate = string(p, v);
          case "flags" -> flags = number(p, v) & 0xFFFF_FFFFL;
          default -> p.skipChildren();
        }
      }
      links.add(new SpanLink(traceId, traceIdHigh, spanId, attributes, tracestate, flags));
    }
    return links;
  }

  private void wrongType(JsonParser p, JsonToken t, String expected) {
    if (typeError == null) typeError = "'" + field + "' is " + t + ", expected " + expected;
    p.skipChildren();
  }

  /** The body ended where JSON needs more (Jackson returns null rather than failing at the end). */
  private static final class TruncatedJson extends RuntimeException {
    TruncatedJson() {
      super(null, null, false, false);
    }
  }
}
