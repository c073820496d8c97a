package org.xraybridge.receiver;

import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageNeverUsedFormatException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.value.ValueType;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TracerInfo;

/**
 * The typed reads both msgpack decoders share, on one {@link MsgpackCursor} over a byte array the
 * decoder owns, plus the span repairs. Strings are read as ranges of that array and turned into
 * {@code String}s by the {@link StringCache} (which repeats most strings of a payload without
 * decoding them again); uint64 ids above 2^63 are read as their raw 64 bits.
 *
 * <p>A value of the wrong type never throws: it is skipped, and {@link #typeError} names the first
 * such field of the current span, which then counts as malformed. Errors of the framing itself
 * (truncation, reserved byte {@code 0xc1}, absurd lengths) are msgpack-core exceptions that the
 * decoders catch at the payload level. Not thread-safe: one instance per thread.
 */
abstract class MsgpackReader {

  final StringCache strings;
  private final LongSupplier nowNanos;
  final DoubleBoxes doubles = new DoubleBoxes();
  /** Builders of tag maps, reset for each map (a map is never read inside another). */
  final FlatMap.Builder<String> tags = new FlatMap.Builder<>(0);
  final FlatMap.Builder<Double> numbers = new FlatMap.Builder<>(0);

  final MsgpackCursor u = new MsgpackCursor();
  byte[] body;
  /** Bytes of {@link #body} that belong to the payload (the array may be longer). */
  int length;
  DecodeResult out;
  /** The first type error in the current span, or null. */
  String typeError;
  /** Name of the field being read, for error messages. */
  String field = "";
  /** Range of the last {@link #rawString()}. */
  int rawStart;
  int rawLength;

  /** Whether a nil meta or metrics map is an empty one (v0.4) or a type error (v0.5). */
  private final boolean nilMapIsEmpty;
  /** What a meta and a metrics map hold, in the words of a type error. */
  private final String metaShape;
  private final String metricsShape;

  MsgpackReader(LongSupplier nowNanos, StringCache strings, boolean nilMapIsEmpty, String metaShape, String metricsShape) {
    this.nowNanos = nowNanos;
    this.strings = strings;
    this.nilMapIsEmpty = nilMapIsEmpty;
    this.metaShape = metaShape;
    this.metricsShape = metricsShape;
  }

  /**
   * Decodes {@code length} bytes of {@code data}; never throws on bad input. When the framing breaks
   * (truncated body, reserved byte), the traces before it are kept, the trace it broke in is dropped
   * (its spans decoded so far are counted malformed) and nothing after it can be seen.
   */
  final DecodeResult decode(byte[] data, int length, TracerInfo tracer) {
    start(data, length);
    ChunkAssembler trace = new ChunkAssembler(out);
    int declared = -1;
    int index = 0;
    try {
      if (!openTraces()) return finish();
      declared = u.arrayHeader();
      for (; index < declared; index++) {
        out.traces++;
        readTrace(trace, index, declared, tracer);
      }
    } catch (MessageInsufficientBufferException e) {
      trace.abandon();
      out.malformed(declared < 0
          ? truncatedBeforeTraces()
          : "Truncated: the body ends at byte " + length + " inside trace " + (index + 1) + " of " + declared);
    } catch (MessagePackException e) {
      trace.abandon();
      out.malformed("Malformed: " + describe(e) + " at byte " + pos()
          + (declared < 0 ? beforeTraces() : " in trace " + (index + 1) + " of " + declared));
    }
    return finish();
  }

  /**
   * Reads what comes before the array of traces in this format, leaving the cursor on that array's
   * header; false, with the reason in {@link #out}, when the body is not this format.
   */
  abstract boolean openTraces();

  /** The 400 text when the body ends before the array of traces has begun. */
  abstract String truncatedBeforeTraces();

  /** Where a framing error before the array of traces was, to end the 400 text. */
  abstract String beforeTraces();

  /** The payload is decoded: lets go of what the format held for it. */
  void ended() {}

  /**
   * One trace: an array of spans in this format; a nil trace is empty (as the Agent reads it). A
   * span that does not decode is counted and skipped, the rest of the trace goes on.
   */
  final void readTrace(ChunkAssembler trace, int index, int declared, TracerInfo tracer) {
    if (u.tryNil()) return;
    MessageFormat f = u.nextFormat();
    if (typeOf(f) != ValueType.ARRAY) {
      out.malformed("Malformed: trace " + (index + 1) + " of " + declared + " is " + describe(f)
          + ", expected an array of spans");
      u.skipValue();
      return;
    }
    traceBegins();
    int spans = u.arrayHeader();
    trace.begin();
    for (int s = 0; s < spans; s++) {
      Span span = readSpan();
      if (span != null) {
        trace.add(span);
      } else {
        trace.malformedSpan();
        out.malformed("Malformed: trace " + (index + 1) + " of " + declared + ", span " + (s + 1) + ": " + typeError);
      }
    }
    trace.finish(tracer);
  }

  /** The cursor is on the header of a trace's span array, which {@link #readSpan} reads next. */
  void traceBegins() {}

  /** The next span in this format, or null (and {@link #typeError} says why) when it does not decode. */
  abstract Span readSpan();

  /** A text field in this format: v0.4 a string, v0.5 an index into the payload's string table. */
  abstract String text();

  /** A meta map: text to text. */
  final Map<String, String> readMeta() {
    int n = mapEntries(metaShape);
    if (n == 0) return FlatMap.empty();
    FlatMap.Builder<String> b = tags.reset(Math.min(n, 64));
    for (int i = 0; i < n; i++) {
      String key = text();
      String value = text();
      b.put(key, value);
    }
    return b.build();
  }

  /** A metrics map: text to a number. */
  final Map<String, Double> readMetrics() {
    int n = mapEntries(metricsShape);
    if (n == 0) return FlatMap.empty();
    FlatMap.Builder<Double> b = numbers.reset(Math.min(n, 64));
    for (int i = 0; i < n; i++) {
      String key = text();
      b.put(key, doubles.box(readDouble()));
    }
    return b.build();
  }

  /** The entries of a map that holds {@code shape}; none for a nil where that is empty, or a value of another type. */
  final int mapEntries(String shape) {
    if (nilMapIsEmpty && u.tryNil()) return 0;
    if (nextType() != ValueType.MAP) {
      wrongType(shape);
      return 0;
    }
    return u.mapHeader();
  }

  /** Points the unpacker at {@code length} bytes of {@code data} from 0, and starts a new result. */
  final void start(byte[] data, int length) {
    u.reset(data, length);
    body = data;
    this.length = length;
    out = new DecodeResult();
    typeError = null;
    strings.takeRepairs(); // nothing left over from a decode that did not finish
  }

  /** Hands the result over and lets go of the body. */
  final DecodeResult finish() {
    DecodeResult r = out;
    r.repairedStrings += strings.takeRepairs();
    ended();
    out = null;
    body = null;
    u.clear();
    return r;
  }

  final int pos() {
    return u.position();
  }

  /** Next value as the range of a str (or bin) payload; false, with nothing consumed, if it is neither. */
  final boolean rawString() {
    int n = u.stringHeader();
    if (n < 0) return false;
    rawStart = u.position();
    rawLength = n;
    u.skipBytes(n);
    return true;
  }

  /** A str (or bin, read as UTF-8); nil is {@code ""}. */
  final String readString() {
    if (rawString()) return strings.get(body, rawStart, rawLength);
    if (u.tryNil()) return "";
    wrongType("a string");
    return "";
  }

  /** Any msgpack integer as the raw 64 bits (uint64 above 2^63 included); a float is truncated; nil is 0. */
  final long readLong() {
    int b = u.peek();
    if (MsgpackCursor.isInteger(b)) return u.readInteger();
    if (MsgpackCursor.isFloat(b)) return (long) u.readFloat();
    if (u.tryNil()) return 0;
    wrongType("an integer");
    return 0;
  }

  /** A float or an integer as a double; nil is 0 (as the Agent's decoder reads it). */
  final double readDouble() {
    int b = u.peek();
    if (MsgpackCursor.isFloat(b)) return u.readFloat();
    if (b == 0xCF) return unsignedToDouble(u.readInteger());
    if (MsgpackCursor.isInteger(b)) return u.readInteger();
    if (u.tryNil()) return 0;
    wrongType("a number");
    return 0;
  }

  /** The type of the next value; the reserved byte 0xc1 breaks the framing (it has no type). */
  final ValueType nextType() {
    return typeOf(u.nextFormat());
  }

  static ValueType typeOf(MessageFormat f) {
    if (f == MessageFormat.NEVER_USED) throw new MessageNeverUsedFormatException("reserved byte 0xc1");
    return f.getValueType();
  }

  /** Skips a value of the wrong type and remembers the first such field of the span. */
  final void wrongType(String expected) {
    if (typeError == null) {
      typeError = "'" + field + "' is " + describe(u.nextFormat()) + ", expected " + expected;
    }
    u.skipValue();
  }

  /** A span from its decoded fields, repaired as the Agent would ({@link ChunkAssembler#span}). */
  final Span span(
      long traceId, long spanId, long parentId, long start, long duration, int error,
      String service, String name, String resource, String type,
      Map<String, String> meta, Map<String, Double> metrics, Map<String, byte[]> metaStruct,
      List<SpanLink> links) {
    return ChunkAssembler.span(out, nowNanos, traceId, spanId, parentId, start, duration, error,
        service, name, resource, type, meta, metrics, metaStruct, links);
  }

  /** What a msgpack-core framing exception means, in words (some carry no message). */
  static String describe(Exception e) {
    if (e instanceof MessageSizeException m) {
      return "a declared length of " + Long.toUnsignedString(m.getSize()) + " does not fit in memory";
    }
    if (e instanceof MessageNeverUsedFormatException) return "reserved byte 0xc1";
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  static String describe(MessageFormat f) {
    return switch (typeOf(f)) {
      case NIL -> "nil";
      case BOOLEAN -> "a boolean";
      case INTEGER -> "an integer";
      case FLOAT -> "a float";
      case STRING -> "a string";
      case BINARY -> "binary";
      case ARRAY -> "an array";
      case MAP -> "a map";
      case EXTENSION -> "an extension";
    };
  }

  static long bigEndianLong(byte[] a, int i) {
    return ((a[i] & 0xFFL) << 56) | ((a[i + 1] & 0xFFL) << 48) | ((a[i + 2] & 0xFFL) << 40)
        | ((a[i + 3] & 0xFFL) << 32) | ((a[i + 4] & 0xFFL) << 24) | ((a[i + 5] & 0xFFL) << 16)
        | ((a[i + 6] & 0xFFL) << 8) | (a[i + 7] & 0xFFL);
  }

  static double unsignedToDouble(long v) {
    return v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2.0;
  }
}
