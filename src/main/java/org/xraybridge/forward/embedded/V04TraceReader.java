package org.xraybridge.forward.embedded;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;

/**
 * Decodes a v0.4 traces body (WIRE.md §C3) with msgpack-core into model spans, as the Agent would
 * read it: unknown keys are skipped, nil is "absent", integers of any width are accepted for
 * numeric fields and ids are read as unsigned 64-bit. Used by the {@link EmbeddedAgent}.
 *
 * <p>Thread-safe (stateless).
 */
public final class V04TraceReader {

  /** The traces in {@code body}, in order; throws {@link IOException} on malformed input. */
  public List<List<Span>> read(byte[] body) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      int traces = u.unpackArrayHeader();
      List<List<Span>> out = new ArrayList<>(traces);
      for (int t = 0; t < traces; t++) {
        int spans = u.unpackArrayHeader();
        List<Span> trace = new ArrayList<>(spans);
        for (int s = 0; s < spans; s++) trace.add(readSpan(u));
        out.add(trace);
      }
      if (u.hasNext()) throw new IOException("Malformed v0.4 body: trailing bytes after " + traces + " traces");
      return out;
    } catch (RuntimeException e) { // msgpack-core's MessageFormatException and friends
      throw new IOException("Malformed v0.4 body: " + e.getMessage(), e);
    }
  }

  private static Span readSpan(MessageUnpacker u) throws IOException {
    Span.Builder b = Span.builder();
    int keys = u.unpackMapHeader();
    for (int i = 0; i < keys; i++) {
      String key = u.unpackString();
      if (u.getNextFormat() == MessageFormat.NIL) {
        u.unpackNil();
        continue;
      }
      switch (key) {
        case "service" -> b.service(u.unpackString());
        case "name" -> b.name(u.unpackString());
        case "resource" -> b.resource(u.unpackString());
        case "type" -> b.type(u.unpackString());
        case "trace_id" -> b.traceId(unsigned(u));
        case "span_id" -> b.spanId(unsigned(u));
        case "parent_id" -> b.parentId(unsigned(u));
        case "start" -> b.startNanos(u.unpackLong());
        case "duration" -> b.durationNanos(u.unpackLong());
        case "error" -> b.error(u.unpackInt());
        case "meta" -> b.meta(stringMap(u));
        case "metrics" -> {
          int n = u.unpackMapHeader();
          Map<String, Double> m = new HashMap<>(n * 2);
          for (int j = 0; j < n; j++) m.put(u.unpackString(), number(u));
          b.metrics(m);
        }
        case "meta_struct" -> {
          int n = u.unpackMapHeader();
          Map<String, byte[]> m = new HashMap<>(n * 2);
          for (int j = 0; j < n; j++) {
            String k = u.unpackString();
            m.put(k, u.readPayload(u.unpackBinaryHeader()));
          }
          b.metaStruct(m);
        }
        case "span_links" -> {
          int n = u.unpackArrayHeader();
          List<SpanLink> links = new ArrayList<>(n);
          for (int j = 0; j < n; j++) links.add(readLink(u));
          b.spanLinks(links);
        }
        default -> u.skipValue();
      }
    }
    return b.build();
  }

  private static SpanLink readLink(MessageUnpacker u) throws IOException {
    long traceId = 0;
    long traceIdHigh = 0;
    long spanId = 0;
    Map<String, String> attributes = Map.of();
    String tracestate = "";
    long flags = 0;
    int keys = u.unpackMapHeader();
    for (int i = 0; i < keys; i++) {
      String key = u.unpackString();
      switch (key) {
        case "trace_id" -> traceId = unsigned(u);
        case "trace_id_high" -> traceIdHigh = unsigned(u);
        case "span_id" -> spanId = unsigned(u);
        case "attributes" -> attributes = stringMap(u);
        case "tracestate" -> tracestate = u.unpackString();
        case "flags" -> flags = unsigned(u) & 0x7FFF_FFFFL; // the high bit only says "present"
        default -> u.skipValue();
      }
    }
    return new SpanLink(traceId, traceIdHigh, spanId, attributes, tracestate, flags);
  }

  private static Map<String, String> stringMap(MessageUnpacker u) throws IOException {
    int n = u.unpackMapHeader();
    Map<String, String> m = new HashMap<>(n * 2);
    for (int j = 0; j < n; j++) {
      String k = u.unpackString();
      if (u.getNextFormat() == MessageFormat.NIL) {
        u.unpackNil();
        continue;
      }
      m.put(k, u.unpackString());
    }
    return m;
  }

  private static long unsigned(MessageUnpacker u) throws IOException {
    return u.getNextFormat() == MessageFormat.UINT64 ? u.unpackBigInteger().longValue() : u.unpackLong();
  }

  private static double number(MessageUnpacker u) throws IOException {
    MessageFormat f = u.getNextFormat();
    if (f.getValueType() == ValueType.FLOAT) return u.unpackDouble();
    if (f == MessageFormat.UINT64) return u.unpackBigInteger().doubleValue();
    return u.unpackLong();
  }
}
