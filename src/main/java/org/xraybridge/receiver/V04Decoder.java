package org.xraybridge.receiver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.msgpack.core.MessageFormat;
import org.msgpack.value.ValueType;
import org.msgpack.core.MessagePackException;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanBytes;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TracerInfo;
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
  /**
   * The tags a span that keeps its bytes is read for: what merge and explain use (env, the trace id's
   * high bits, origin) and what the intake's APM stats group by (docs/receiver.md, "Bytes through").
   */
  static final String[] LEAN_META_KEYS = {"env", "_dd.p.tid", "_dd.origin", "version", "span.kind", "http.status_code"};
  /** … and its metrics: the sampling priority first (its position is kept), then what the stats read. */
  static final String[] LEAN_METRICS_KEYS = {
      Priority.METRIC, "_dd.measured", "_dd.top_level", "_dd.partial_version", "_sample_rate", "http.status_code"};
  private static final Field[] LEAN_META = fields(LEAN_META_KEYS);
  private static final Field[] LEAN_METRICS = fields(LEAN_METRICS_KEYS);
  /** Bit n set: some lean key is n bytes long; most keys of a span are another length and rejected on it. */
  private static final long LEAN_META_LENGTHS = lengths(LEAN_META_KEYS);
  private static final long LEAN_METRICS_LENGTHS = lengths(LEAN_METRICS_KEYS);

  /** Whether spans keep their wire bytes (docs/receiver.md, "Bytes through"). */
  private final boolean keepBytes;
  /** The current trace's bytes, copied from the body, while its spans keep theirs; else null. */
  private byte[] chunk;
  /** Whether the body is this decoder's to keep (a record's value): spans then share it, uncopied. */
  private boolean owned;
  /** Where {@link #chunk} starts in the body. */
  private int base;
  /** Set when a string of the span being read as bytes is not valid UTF-8: it is decoded instead. */
  private boolean badText;
  /** The string cache's repair count before the span being read as bytes. */
  private int repairsBefore;
  private int metricsAt;
  private int metricsEnd;
  private int metricsCount;
  private int priorityAt;
  private int priorityEnd;
  private double priority;

  V04Decoder(LongSupplier nowNanos) {
    this(nowNanos, new StringCache());
  }

  /** A decoder sharing {@code strings} with the other decoders of its thread. */
  V04Decoder(LongSupplier nowNanos, StringCache strings) {
    this(nowNanos, strings, false);
  }

  /** A decoder whose spans keep their bytes when {@code keepBytes} (for forwarding to an Agent). */
  V04Decoder(LongSupplier nowNanos, StringCache strings, boolean keepBytes) {
    super(nowNanos, strings, true, "a map of strings", "a map of numbers");
    this.keepBytes = keepBytes;
  }

  /**
   * Copies the trace's bytes into one array its spans share, so a span never holds the request body.
   * A trace whose framing breaks is read as decoded spans, which then throws where it always did.
   */
  @Override
  void traceBegins() {
    chunk = null;
    if (!keepBytes) return;
    if (owned) {
      chunk = body;
      base = 0;
      return;
    }
    int start = pos();
    try {
      u.skipValue();
      chunk = Arrays.copyOfRange(body, start, pos());
      base = start;
    } catch (MessagePackException e) {
      chunk = null;
    }
    u.seek(start);
  }

  @Override
  void ended() {
    chunk = null;
    owned = false;
  }

  /** Decodes a body no one else holds or changes, whose spans may then keep their bytes in it. */
  DecodeResult decodeOwned(byte[] data, TracerInfo tracer) {
    owned = true;
    return decode(data, data.length, tracer);
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
    int at = pos();
    if (chunk == null) return readSpan(false, at);
    repairsBefore = strings.repairsSoFar();
    Span s = readSpan(true, at);
    if (s != null) return s;
    // it needs a repair its bytes would not show, or it is malformed: decoded whole instead, so the
    // repairs and the reason are exactly the whole decoder's, counted once
    strings.rewindRepairs(repairsBefore);
    u.seek(at);
    return readSpan(false, at);
  }

  /**
   * One span; as bytes ({@code lean}) it reads only the fields the bridge uses and returns null when
   * it must be decoded whole instead.
   */
  private Span readSpan(boolean lean, int at) {
    typeError = null;
    badText = false;
    metricsAt = -1;
    priorityAt = -1;
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
          else if (is(head, k, META)) { field = "meta"; meta = lean ? leanMeta() : readMeta(); }
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
          else if (is(head, k, METRICS)) { field = "metrics"; metrics = lean ? leanMetrics() : readMetrics(); }
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
    if (lean) {
      if (badText || strings.repairsSoFar() != repairsBefore || repaired(start, duration)) return null;
      SpanBytes bytes = new SpanBytes(chunk, at - base, pos() - at, fields, metricsAt < 0 ? -1 : metricsAt - base,
          metricsEnd - base, metricsCount, priorityAt < 0 ? -1 : priorityAt - base, priorityEnd - base, priority);
      return new Span(traceId, spanId, parentId, start, duration, error, service, name, resource, type, meta, metrics,
          metaStruct, links, bytes);
    }
    return span(traceId, spanId, parentId, start, duration, error, service, name, resource, type,
        meta, metrics, metaStruct, links);
  }

  /** Whether the span needs a repair (docs/receiver.md, "Repairs"), which its bytes cannot carry. */
  private boolean repaired(long start, long duration) {
    return duration < 0 || start > Long.MAX_VALUE - duration || start < TimeCodec.YEAR_2000_NANOS;
  }

  /**
   * A meta map read for a span that keeps its bytes: every entry checked as {@link #readMeta} checks
   * it, but only the tags merge and the intake's stats read ({@link #LEAN_META}) become Strings.
   */
  private Map<String, String> leanMeta() {
    int n = mapEntries("a map of strings");
    FlatMap.Builder<String> b = null;
    for (int i = 0; i < n; i++) {
      if (!leanText()) {
        leanText(); // the value, checked as readMeta would
        continue;
      }
      int lean = leanKey(LEAN_META, LEAN_META_LENGTHS);
      if (lean < 0) {
        leanText();
        continue;
      }
      if (b == null) b = tags.reset(3);
      b.put(LEAN_META_KEYS[lean], readString());
    }
    return b == null ? FlatMap.empty() : b.build();
  }

  /**
   * A metrics map read for a span that keeps its bytes: where it and its priority are, and the
   * metrics merge and the intake's stats read ({@link #LEAN_METRICS}).
   */
  private Map<String, Double> leanMetrics() {
    metricsAt = pos();
    priorityAt = -1;
    int n = mapEntries("a map of numbers");
    FlatMap.Builder<Double> b = null;
    for (int i = 0; i < n; i++) {
      int lean = leanText() ? leanKey(LEAN_METRICS, LEAN_METRICS_LENGTHS) : -1;
      if (lean < 0) {
        readDouble();
        continue;
      }
      int at = pos();
      double v = readDouble();
      if (lean == 0) {
        priorityAt = at;
        priority = v;
        priorityEnd = pos();
      }
      if (b == null) b = numbers.reset(2);
      b.put(LEAN_METRICS_KEYS[lean], doubles.box(v));
    }
    metricsEnd = pos();
    metricsCount = n;
    return b == null ? FlatMap.empty() : b.build();
  }

  /** Which of {@code fields} (of the {@code lengths} given) the string just read by {@link #leanText()} is, or -1. */
  private int leanKey(Field[] fields, long lengths) {
    if (rawLength == 0 || rawLength >= 64 || (lengths & (1L << rawLength)) == 0) return -1;
    long head = Words.head(body, rawStart, rawLength);
    for (int j = 0; j < fields.length; j++) {
      if (is(head, rawStart, fields[j])) return j;
    }
    return -1;
  }

  /**
   * A str or bin (its range in {@link #rawStart}, UTF-8 checked) or nil (an empty range), as
   * {@link #readString} takes them, without making a String; false after a value of another type.
   */
  private boolean leanText() {
    if (rawString()) {
      if (!Utf8Check.valid(body, rawStart, rawLength)) badText = true;
      return true;
    }
    rawLength = 0;
    if (u.tryNil()) return true;
    wrongType("a string");
    return false;
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
        && (f.length <= 8 || Words.head(body, k + 8, f.length - 8) == f.tail)
        && (f.length <= 16 || Arrays.equals(body, k + 16, k + f.length, f.name, 16, f.length));
  }

  private static long lengths(String[] names) {
    long bits = 0;
    for (String n : names) bits |= 1L << n.length();
    return bits;
  }

  private static Field[] fields(String[] names) {
    Field[] f = new Field[names.length];
    for (int i = 0; i < names.length; i++) f[i] = Field.of(names[i]);
    return f;
  }

  /**
   * A field name as the words {@link Words#head} reads: names are compared a word at a time, the two
   * first words as longs, anything past 16 bytes byte by byte.
   */
  private record Field(int length, long head, long tail, byte[] name) {
    static Field of(String name) {
      return new Field(name.length(), Words.of(name), name.length() > 8 ? Words.of(name.substring(8)) : 0,
          name.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
  }
}
