package org.xraybridge.forward.intake;

import static com.google.protobuf.CodedOutputStream.computeDoubleSize;
import static com.google.protobuf.CodedOutputStream.computeStringSize;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanBytes;

/**
 * The protobuf {@code Span} fields of a native span that kept its msgpack bytes ({@link SpanBytes}),
 * written from those bytes: a msgpack str and a protobuf string are the same UTF-8, so service, name,
 * resource, type and every meta entry are copied as bytes, never made into Strings (docs/forward.md,
 * "Bytes through").
 *
 * <p>Metrics come from the bytes too, except where the span's own {@code metrics()} — the few the
 * receiver read, and what the bridge set since: the merge's sampling priority, the error rescue's
 * rate — says otherwise: those values replace the bytes' and new keys follow them, as a decoded span's
 * map would hold them. {@code _top_level} is the writer's to set, as for decoded spans. The numeric
 * fields, meta_struct and span links are the span's decoded values (the receiver reads those whole).
 *
 * <p>Duplicate keys in a map are copied as sent: protobuf keeps the last, as the receiver's decode does.
 * Not thread-safe: one per {@link IntakeTraceWriter}.
 */
final class RawSpanProto {
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int SERVICE = 1;
  private static final int NAME = 2;
  private static final int RESOURCE = 3;
  private static final int META = 10;
  private static final int METRICS = 11;
  private static final int TYPE = 12;

  private static final int SERVICE_AT = 0;
  private static final int NAME_AT = 1;
  private static final int RESOURCE_AT = 2;
  private static final int TYPE_AT = 3;
  private static final int META_AT = 4;
  private static final int METRICS_AT = 5;

  private static final int SLOTS = METRICS_AT + 1;

  private final MsgpackScan scan = new MsgpackScan();
  /**
   * Positions of the span map's values, {@link #SLOTS} per span of the chunk being sized (service,
   * name, resource, type, meta, metrics), found by {@link #locate} when sizing and read again when
   * writing, so each span map is walked for its keys once.
   */
  private int[] at = new int[16 * SLOTS];
  /** Where span {@code i}'s positions start in {@link #at}. */
  private int base;
  /** Bit i set: the span's own metric i was met in its bytes (so it is not added after them). */
  private long seen;

  /** Size of fields 1–3, 10–12 of span {@code i} of a chunk (the rest are {@link IntakeTraceWriter}'s). */
  int size(Span s, boolean topLevel, int i) {
    base = i * SLOTS;
    if (at.length < base + SLOTS) at = java.util.Arrays.copyOf(at, Math.max(base + SLOTS, 2 * at.length));
    locate(s.bytes());
    byte[] a = s.bytes().array();
    try {
      return text(SERVICE, a, at[base + SERVICE_AT], null) + text(NAME, a, at[base + NAME_AT], null)
          + text(RESOURCE, a, at[base + RESOURCE_AT], null) + meta(a, null) + metrics(s, topLevel, null)
          + text(TYPE, a, at[base + TYPE_AT], null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // nothing is written when sizing
    }
  }

  /**
   * Writes fields 1–3 of span {@code i} of the chunk {@link #size} measured last; {@link #writeTail}
   * writes 10–12 after the numeric fields.
   */
  void writeHead(Span s, int i, CodedOutputStream o) throws IOException {
    base = i * SLOTS;
    byte[] a = s.bytes().array();
    text(SERVICE, a, at[base + SERVICE_AT], o);
    text(NAME, a, at[base + NAME_AT], o);
    text(RESOURCE, a, at[base + RESOURCE_AT], o);
  }

  /** Meta, metrics and type, in field order, for the span {@link #writeHead} began. */
  void writeTail(Span s, boolean topLevel, int i, CodedOutputStream o) throws IOException {
    base = i * SLOTS;
    byte[] a = s.bytes().array();
    meta(a, o);
    metrics(s, topLevel, o);
    text(TYPE, a, at[base + TYPE_AT], o);
  }

  /** The meta entries' size, and the entries written to {@code o} unless it is null. */
  private int meta(byte[] a, CodedOutputStream o) throws IOException {
    if (at[base + META_AT] < 0) return 0;
    int size = 0;
    scan.reset(a, at[base + META_AT]);
    int n = scan.mapHeader();
    for (int i = 0; i < n; i++) {
      scan.text();
      int kAt = scan.textAt;
      int k = scan.textLength;
      scan.text();
      int v = scan.textLength;
      int entry = IntakeTraceWriter.entrySize(1, k) + IntakeTraceWriter.entrySize(2, v);
      size += IntakeTraceWriter.entrySize(META, entry);
      if (o == null) continue;
      o.writeTag(META, LEN);
      o.writeUInt32NoTag(entry);
      writeEntryText(o, 1, a, kAt, k);
      writeEntryText(o, 2, a, scan.textAt, v);
    }
    return size;
  }

  /**
   * The metrics entries' size, and the entries written to {@code o} unless it is null: the bytes' own,
   * the span's own values over them, the span's own keys the bytes lack, then {@code _top_level}.
   */
  private int metrics(Span s, boolean topLevel, CodedOutputStream o) throws IOException {
    FlatMap<Double> own = IntakeTraceWriter.flat(s.metrics());
    seen = 0;
    int size = 0;
    if (at[base + METRICS_AT] >= 0) {
      byte[] a = s.bytes().array();
      scan.reset(a, at[base + METRICS_AT]);
      int n = scan.mapHeader();
      for (int i = 0; i < n; i++) {
        scan.text();
        int kAt = scan.textAt;
        int k = scan.textLength;
        boolean top = scan.textIs(TopLevel.METRIC);
        int mine = markOwn(own);
        double value = scan.number();
        if (top) continue;
        int entry = IntakeTraceWriter.entrySize(1, k) + computeDoubleSize(2, 0);
        size += IntakeTraceWriter.entrySize(METRICS, entry);
        if (o == null) continue;
        o.writeTag(METRICS, LEN);
        o.writeUInt32NoTag(entry);
        writeEntryText(o, 1, a, kAt, k);
        o.writeDouble(2, mine >= 0 ? own.valueAt(mine) : value);
      }
    }
    for (int i = 0; i < own.size(); i++) {
      if ((seen & (1L << i)) == 0 && !TopLevel.METRIC.equals(own.keyAt(i))) size += metric(own.keyAt(i), own.valueAt(i), o);
    }
    if (topLevel) size += metric(TopLevel.METRIC, 1, o);
    return size;
  }

  /** Finds the values of the span map's keys this class copies; -1 for a key the span has not. */
  private void locate(SpanBytes b) {
    java.util.Arrays.fill(at, base, base + SLOTS, -1);
    scan.reset(b.array(), b.offset());
    int n = scan.mapHeader();
    for (int i = 0; i < n; i++) {
      scan.text();
      int slot = switch (scan.textLength) {
        case 4 -> scan.textIs("name") ? NAME_AT : scan.textIs("meta") ? META_AT : scan.textIs("type") ? TYPE_AT : -1;
        case 7 -> scan.textIs("service") ? SERVICE_AT : scan.textIs("metrics") ? METRICS_AT : -1;
        case 8 -> scan.textIs("resource") ? RESOURCE_AT : -1;
        default -> -1;
      };
      if (slot >= 0) at[base + slot] = scan.pos(); // a key sent twice: the last, as the receiver reads it
      scan.skip();
    }
  }

  /** The index of the metric key just read among the span's own, marked as seen; -1 when not one of them. */
  private int markOwn(FlatMap<Double> own) {
    for (int i = 0; i < own.size() && i < 64; i++) {
      if (scan.textIs(own.keyAt(i))) {
        seen |= 1L << i;
        return i;
      }
    }
    return -1;
  }

  /** A string field's size (none when empty or absent), written to {@code o} unless it is null. */
  private int text(int field, byte[] a, int valueAt, CodedOutputStream o) throws IOException {
    if (valueAt < 0) return 0;
    scan.reset(a, valueAt);
    scan.text();
    int n = scan.textLength;
    if (n == 0) return 0;
    if (o != null) {
      o.writeTag(field, LEN);
      o.writeUInt32NoTag(n);
      o.writeRawBytes(a, scan.textAt, n);
    }
    return IntakeTraceWriter.entrySize(field, n);
  }

  /** A map entry's string, written even when empty (as protobuf-java writes map entries). */
  private static void writeEntryText(CodedOutputStream o, int field, byte[] a, int from, int n) throws IOException {
    o.writeTag(field, LEN);
    o.writeUInt32NoTag(n);
    o.writeRawBytes(a, from, n);
  }

  private static int metric(String key, double value, CodedOutputStream o) throws IOException {
    int entry = computeStringSize(1, key) + computeDoubleSize(2, value);
    if (o != null) {
      o.writeTag(METRICS, LEN);
      o.writeUInt32NoTag(entry);
      o.writeString(1, key);
      o.writeDouble(2, value);
    }
    return IntakeTraceWriter.entrySize(METRICS, entry);
  }

}
