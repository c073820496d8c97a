package org.xraybridge.receiver;

import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.value.ValueType;
import org.xraybridge.model.Span;

/**
 * Streaming decoder of the v0.5 trace payload (docs/receiver.md, "Payloads"): {@code [strings,
 * traces]}, every span an array of exactly 12 elements whose text fields are indices into {@code
 * strings}. v0.5 has no slot for {@code meta_struct} or span links (tracers put links in meta {@code
 * _dd.span_links}, kept).
 *
 * <p>Errors: a span that is not a 12-element array, or that names a string index out of range, is
 * skipped with its framing and counted malformed (400 with the reason); the other spans are kept.
 * When the string table itself is unusable (not an array of strings), every span is still delimited
 * and counted malformed, since no text field can be resolved. Framing errors as in {@link
 * MsgpackReader#decode}.
 *
 * <p>Not thread-safe: one per thread.
 */
final class V05Decoder extends MsgpackReader {

  private static final String[] NO_STRINGS = new String[0];

  private String[] dict = NO_STRINGS;
  /** Why the string table is unusable, or null. */
  private String dictError;

  V05Decoder(LongSupplier nowNanos) {
    this(nowNanos, new StringCache());
  }

  /** A decoder sharing {@code strings} with the other decoders of its thread. */
  V05Decoder(LongSupplier nowNanos, StringCache strings) {
    super(nowNanos, strings, false, "a map of string-table indices", "a map of string-table index to number");
  }

  @Override
  boolean openTraces() {
    dict = NO_STRINGS;
    dictError = null;
    MessageFormat f = u.nextFormat();
    if (typeOf(f) != ValueType.ARRAY) {
      out.malformed("Malformed: the body is " + describe(f) + ", expected the v0.5 array [strings, traces]");
      return false;
    }
    int parts = u.arrayHeader();
    if (parts != 2) {
      out.malformed("Malformed: the body is an array of " + parts + ", expected the v0.5 array [strings, traces]");
      return false;
    }
    readDictionary(length);
    f = u.nextFormat();
    if (typeOf(f) != ValueType.ARRAY) {
      out.malformed("Malformed: the traces are " + describe(f) + ", expected an array of traces");
      return false;
    }
    return true;
  }

  @Override
  String truncatedBeforeTraces() {
    return "Truncated: the body ends at byte " + length + " before the traces";
  }

  @Override
  String beforeTraces() {
    return " before the traces";
  }

  @Override
  void ended() {
    dict = NO_STRINGS;
  }

  private void readDictionary(int length) {
    MessageFormat f = u.nextFormat();
    if (typeOf(f) != ValueType.ARRAY) {
      dictError = "the string table is " + describe(f) + ", expected an array of strings";
      u.skipValue();
      return;
    }
    int n = u.arrayHeader();
    if (n > length - pos()) { // every string takes at least one byte: refuse to allocate for a lie
      throw new MessageInsufficientBufferException("the string table declares " + n + " strings");
    }
    String[] strings = new String[n];
    for (int i = 0; i < n; i++) {
      if (rawString()) {
        strings[i] = this.strings.get(body, rawStart, rawLength);
      } else {
        if (dictError == null) dictError = "string " + i + " of the string table is " + describe(u.nextFormat());
        strings[i] = "";
        u.skipValue();
      }
    }
    dict = strings;
  }

  @Override
  Span readSpan() {
    typeError = null;
    MessageFormat f = u.nextFormat();
    if (typeOf(f) != ValueType.ARRAY) {
      typeError = "the span is " + describe(f) + ", expected an array of 12";
      u.skipValue();
      return null;
    }
    int n = u.arrayHeader();
    if (n != 12) {
      typeError = "the span is an array of " + n + ", expected exactly 12 elements";
      for (int i = 0; i < n; i++) u.skipValue();
      return null;
    }
    // the elements in their fixed order, each named for the error that may come of it
    String service = text("service");
    String name = text("name");
    String resource = text("resource");
    long traceId = integer("trace_id");
    long spanId = integer("span_id");
    long parentId = integer("parent_id");
    long start = integer("start");
    long duration = integer("duration");
    int error = (int) integer("error");
    field = "meta";
    Map<String, String> meta = readMeta();
    field = "metrics";
    Map<String, Double> metrics = readMetrics();
    String type = text("type");
    if (typeError == null && dictError != null) typeError = dictError;
    if (typeError != null) return null;
    return span(traceId, spanId, parentId, start, duration, error, service, name, resource, type,
        meta, metrics, Map.of(), List.of());
  }

  private String text(String element) {
    field = element;
    return text();
  }

  private long integer(String element) {
    field = element;
    return readLong();
  }

  /** A string-table index, resolved. */
  @Override
  String text() {
    MessageFormat f = u.nextFormat();
    if (typeOf(f) != ValueType.INTEGER) {
      wrongType("a string-table index");
      return "";
    }
    long i = readLong();
    if (i < 0 || i >= dict.length) {
      if (typeError == null && dictError == null) {
        typeError = "'" + field + "' string index " + Long.toUnsignedString(i) + " is out of range (the table has "
            + dict.length + " strings)";
      }
      return "";
    }
    return dict[(int) i];
  }
}
