package org.xraybridge.receiver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.msgpack.core.MessageFormat;
import org.msgpack.value.ValueType;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;

/**
 * Streaming decoder of the v0.4 trace payload (docs/receiver.md, "Payloads"): a msgpack array of
 * traces, each an array of span maps, read straight into {@link Span} records with no intermediate
 * object tree. {@code span_events} are skipped (the bridge's {@code /info} says {@code span_events:
 * false}, so tracers send events as the meta tag {@code events}, which is kept). {@code meta_struct}
 * values are kept as opaque bytes: a bin value's payload, or the raw msgpack bytes of any other value.
 *
 * <p>A span of the wrong shape (not a map, a field of the wrong type) is skipped with its framing and
 * counted malformed; the rest of its trace and the other traces are kept (see {@link DecodeResult}).
 * Not thread-safe: one per thread (it carries a string cache and a cursor).
 */
final class V04Decoder extends MsgpackReader {

  private static final Field SERVICE = Field.of("service");
  private static final Field NAME = Field.of("name");
  private static final Field RESOURCE = Field.of("resource");
  private static final Field TRACE_ID = Field.of("trace_id");
  private static final Field SPAN_ID = Field.of("span_id");
  private static final Field PARENT_ID = Field.of("parent_id");
  private static final Field START = Field.of("start");
  private static final Field DURATION = Field.of("duration");
  private static final Field ERROR = Field.of("error");
  private static final Field META = Field.of("meta");
  private static final Field METRICS = Field.of("metrics");
  private static final Field TYPE = Field.of("type");
  private static final Field META_STRUCT = Field.of("meta_struct");
  private static final Field SPAN_LINKS = Field.of("span_links");
  private static final Field TRACE_ID_HIGH = Field.of("trace_id_high");
  private static final Field ATTRIBUTES = Field.of("attributes");
  private static final Field TRACESTATE = Field.of("tracestate");
  private static final Field FLAGS = Field.of("flags");

  V04Decoder(LongSupplier nowNanos) {
    this(nowNanos, new StringCache());
  }

  /** A decoder sharing {@code strings} with the other decoders of its thread. */
  V04Decoder(LongSupplier nowNanos, StringCache strings) {
    super(nowNanos, strings, true, "a map of strings", "a map of numbers");
  }

  @Override
  boolean openTraces() {
    MessageFormat f = u.nextFormat();
    if (typeOf(f) == ValueType.ARRAY) return true;
    out.malformed("Malformed: the body is " + describe(f) + ", expected an array of traces");
    return false;
  }

  @Override
  String truncatedBeforeTraces() {
    return "Truncated: empty body";
  }

  @Override
  String beforeTraces() {
    return " in trace 1";
  }

  /** The next span, or null (and {@link #typeError} says why) when it is not a decodable span map. */
  @Override
  Span readSpan() {
    typeError = null;
    MessageFormat f = u.nextFormat();
    if (typeOf(f) != ValueType.MAP) {
      typeError = "the span is " + describe(f) + ", expected a map";
      u.skipValue();
      return null;
    }
    int fields = u.mapHeader();
    long traceId = 0, spanId = 0, parentId = 0, start = 0, duration = 0;
    int error = 0;
    String service = "", name = "", resource = "", type = "";
    Map<String, String> meta = FlatMap.empty();
    Map<String, Double> metrics = FlatMap.empty();
    Map<String, byte[]> metaStruct = Map.of();
    List<SpanLink> links = List.of();
    for (int i = 0; i < fields; i++) {
      if (!rawString()) {
        field = "key";
        wrongType("a string");
        u.skipValue();
        continue;
      }
      int k = rawStart;
      long head = Words.head(body, k, rawLength);
      switch (rawLength) {
        case 4 -> {
          if (is(head, k, NAME)) { field = "name"; name = readString(); }
          else if (is(head, k, META)) { field = "meta"; meta = readMeta(); }
          else if (is(head, k, TYPE)) { field = "type"; type = readString(); }
          else u.skipValue();
        }
        case 5 -> {
          if (is(head, k, START)) { field = "start"; start = readLong(); }
          else if (is(head, k, ERROR)) { field = "error"; error = (int) readLong(); }
          else u.skipValue();
        }
        case 7 -> {
          if (is(head, k, SERVICE)) { field = "service"; service = readString(); }
          else if (is(head, k, SPAN_ID)) { field = "span_id"; spanId = readLong(); }
          else if (is(head, k, METRICS)) { field = "metrics"; metrics = readMetrics(); }
          else u.skipValue();
        }
        case 8 -> {
          if (is(head, k, TRACE_ID)) { field = "trace_id"; traceId = readLong(); }
          else if (is(head, k, DURATION)) { field = "duration"; duration = readLong(); }
          else if (is(head, k, RESOURCE)) { field = "resource"; resource = readString(); }
          else u.skipValue();
        }
        case 9 -> {
          if (is(head, k, PARENT_ID)) { field = "parent_id"; parentId = readLong(); }
          else u.skipValue();
        }
        case 10 -> {
          if (is(head, k, SPAN_LINKS)) { field = "span_links"; links = readLinks(); }
          else u.skipValue();
        }
        case 11 -> {
          if (is(head, k, META_STRUCT)) { field = "meta_struct"; metaStruct = readMetaStruct(); }
          else u.skipValue(); // span_events (see the class comment) and unknown keys
        }
        default -> u.skipValue();
      }
    }
    if (typeError != null) return null;
    return span(traceId, spanId, parentId, start, duration, error, service, name, resource, type,
        meta, metrics, metaStruct, links);
  }

  /** A str (or bin); nil is {@code ""}. */
  @Override
  String text() {
    return readString();
  }

  /** map&lt;string, bytes&gt;: a bin value's payload, or the raw msgpack bytes of any other value. */
  private Map<String, byte[]> readMetaStruct() {
    if (u.tryNil()) return Map.of();
    if (nextType() != ValueType.MAP) {
      wrongType("a map of byte strings");
      return Map.of();
    }
    int n = u.mapHeader();
    if (n == 0) return Map.of();
    HashMap<String, byte[]> m = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String key = readString();
      byte[] value;
      if (nextType() == ValueType.BINARY) {
        rawString();
        value = Arrays.copyOfRange(body, rawStart, rawStart + rawLength);
      } else {
        int from = pos();
        u.skipValue();
        value = Arrays.copyOfRange(body, from, pos());
      }
      m.put(key, value);
    }
    return m;
  }

  private List<SpanLink> readLinks() {
    if (u.tryNil()) return List.of();
    if (nextType() != ValueType.ARRAY) {
      wrongType("an array of span links");
      return List.of();
    }
    int n = u.arrayHeader();
    if (n == 0) return List.of();
    ArrayList<SpanLink> links = new ArrayList<>(Math.min(n, 16));
    for (int i = 0; i < n; i++) {
      if (nextType() != ValueType.MAP) {
        wrongType("an array of span links");
        continue;
      }
      int fields = u.mapHeader();
      long traceId = 0, traceIdHigh = 0, spanId = 0, flags = 0;
      Map<String, String> attributes = FlatMap.empty();
      String tracestate = "";
      for (int j = 0; j < fields; j++) {
        if (!rawString()) {
          wrongType("a string key");
          u.skipValue();
          continue;
        }
        int k = rawStart;
        long head = Words.head(body, k, rawLength);
        if (is(head, k, TRACE_ID)) traceId = readLong();
        else if (is(head, k, TRACE_ID_HIGH)) traceIdHigh = readLong();
        else if (is(head, k, SPAN_ID)) spanId = readLong();
        else if (is(head, k, ATTRIBUTES)) attributes = readMeta();
        else if (is(head, k, TRACESTATE)) tracestate = readString();
        else if (is(head, k, FLAGS)) flags = readLong() & 0xFFFF_FFFFL;
        else u.skipValue();
      }
      links.add(new SpanLink(traceId, traceIdHigh, spanId, attributes, tracestate, flags));
    }
    return links;
  }

  /** Whether the key just read by {@link #rawString()} (at {@code k}, first word {@code head}) is {@code f}. */
  private boolean is(long head, int k, Field f) {
    return head == f.head && rawLength == f.length
        && (f.length <= 8 || Words.head(body, k + 8, f.length - 8) == f.tail);
  }

  /** A field name as the words {@link Words#head} reads: names are compared a word at a time. */
  private record Field(int length, long head, long tail) {
    static Field of(String name) {
      return new Field(name.length(), Words.of(name), name.length() > 8 ? Words.of(name.substring(8)) : 0);
    }
  }
}
