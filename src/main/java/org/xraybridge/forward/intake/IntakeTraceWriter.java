package org.xraybridge.forward.intake;

import static com.google.protobuf.CodedOutputStream.computeDoubleSize;
import static com.google.protobuf.CodedOutputStream.computeInt32Size;
import static com.google.protobuf.CodedOutputStream.computeInt64Size;
import static com.google.protobuf.CodedOutputStream.computeStringSize;
import static com.google.protobuf.CodedOutputStream.computeTagSize;
import static com.google.protobuf.CodedOutputStream.computeUInt32Size;
import static com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag;
import static com.google.protobuf.CodedOutputStream.computeUInt64Size;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.xraybridge.model.FlatMap;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * Writes the trace intake's protobuf ({@code src/main/proto/agent_payload.proto}, the Agent's field
 * numbers) by hand: {@code AgentPayload → TracerPayload → TraceChunk → Span}.
 *
 * <p>Why not the generated builders: an intake payload holds up to 3.2 MB of spans that arrive one
 * chunk at a time, and the builders would keep an object graph of every span until the flush. Here a
 * chunk is encoded once, when it arrives, as a ready {@code TracerPayload.chunks} entry (field 6)
 * into its group's {@link ProtoBuffer}; the flush only writes a few header fields around those bytes.
 * Sizes come first ({@link #sizeOfChunkEntry}), so length prefixes are known before writing and the
 * caller can tell whether the chunk fits. The generated classes remain the schema's other reader
 * (tests parse our bytes with them too).
 *
 * <p>proto3 rules: zero numbers and empty strings are not written; map entries always carry key and
 * value (as protobuf-java writes them). Top-level spans get metric {@code _top_level = 1} (replacing
 * any value); a span that is not top-level loses a stale {@code _top_level}.
 *
 * <p>Not thread-safe (reused scratch space); use under the assembler's lock.
 */
public final class IntakeTraceWriter {
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final double TARGET_TPS = 10;
  private static final double ERROR_TPS = 10;

  private final RawSpanProto raw = new RawSpanProto();
  private int[] spanSizes = new int[16];
  private int chunkSize;
  private TraceChunk sized;

  /**
   * Exact size of the {@code TracerPayload.chunks} entry (tag, length and message) for this chunk.
   * {@code topLevel[i]} says whether span {@code i} is top-level.
   */
  public int sizeOfChunkEntry(TraceChunk chunk, int priority, boolean[] topLevel) {
    List<Span> spans = chunk.spans();
    int n = spans.size();
    if (spanSizes.length < n) spanSizes = new int[Math.max(n, spanSizes.length * 2)];
    int size = (priority == 0 ? 0 : computeInt32Size(1, priority)) + stringSize(2, chunk.origin());
    for (int i = 0; i < n; i++) {
      int s = sizeOfSpan(spans.get(i), topLevel[i], i);
      spanSizes[i] = s;
      size += computeTagSize(3) + computeUInt32SizeNoTag(s) + s;
    }
    chunkSize = size;
    sized = chunk;
    return computeTagSize(6) + computeUInt32SizeNoTag(size) + size;
  }

  /** Writes the entry {@link #sizeOfChunkEntry} just measured for the same chunk. */
  public void writeChunkEntry(TraceChunk chunk, int priority, boolean[] topLevel, ProtoBuffer out) {
    if (sized != chunk) sizeOfChunkEntry(chunk, priority, topLevel);
    int entry = computeTagSize(6) + computeUInt32SizeNoTag(chunkSize) + chunkSize;
    CodedOutputStream o = out.reserve(entry);
    try {
      o.writeTag(6, LEN);
      o.writeUInt32NoTag(chunkSize);
      if (priority != 0) o.writeInt32(1, priority);
      if (!chunk.origin().isEmpty()) o.writeString(2, chunk.origin());
      List<Span> spans = chunk.spans();
      for (int i = 0; i < spans.size(); i++) {
        o.writeTag(3, LEN);
        o.writeUInt32NoTag(spanSizes[i]);
        writeSpan(spans.get(i), topLevel[i], i, o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array of the exact size cannot fail
    }
    out.commit(o, entry);
    sized = null;
  }

  /** One {@code TracerPayload}: its producer, env and the chunk entries written so far. */
  public record Group(TracerInfo tracer, String env, ProtoBuffer chunks) {}

  /** The whole {@code AgentPayload}, uncompressed. */
  public static byte[] agentPayload(String hostname, String env, String agentVersion, List<Group> groups) {
    int[] tracerSizes = new int[groups.size()];
    int size = stringSize(1, hostname) + stringSize(2, env);
    for (int i = 0; i < groups.size(); i++) {
      Group g = groups.get(i);
      int t = stringSize(1, g.tracer().containerId())
          + stringSize(2, g.tracer().language())
          + stringSize(3, g.tracer().languageVersion())
          + stringSize(4, g.tracer().tracerVersion())
          + g.chunks().size()
          + stringSize(8, g.env())
          + stringSize(9, hostname);
      tracerSizes[i] = t;
      size += computeTagSize(5) + computeUInt32SizeNoTag(t) + t;
    }
    size += stringSize(7, agentVersion) + computeDoubleSize(8, TARGET_TPS) + computeDoubleSize(9, ERROR_TPS);
    byte[] out = new byte[size];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      writeString(o, 1, hostname);
      writeString(o, 2, env);
      for (int i = 0; i < groups.size(); i++) {
        Group g = groups.get(i);
        o.writeTag(5, LEN);
        o.writeUInt32NoTag(tracerSizes[i]);
        writeString(o, 1, g.tracer().containerId());
        writeString(o, 2, g.tracer().language());
        writeString(o, 3, g.tracer().languageVersion());
        writeString(o, 4, g.tracer().tracerVersion());
        g.chunks().copyTo(o); // field 6 entries, written as chunks arrived
        writeString(o, 8, g.env());
        writeString(o, 9, hostname);
      }
      writeString(o, 7, agentVersion);
      o.writeDouble(8, TARGET_TPS);
      o.writeDouble(9, ERROR_TPS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    o.checkNoSpaceLeft();
    return out;
  }

  // ---- Span -----------------------------------------------------------------------------------

  /** The size of span {@code index} of the chunk being sized. */
  private int sizeOfSpan(Span s, boolean topLevel, int index) {
    if (s.bytes().present()) return raw.size(s, topLevel, index) + sizeOfNumbers(s) + sizeOfStructAndLinks(s);
    int size = stringSize(1, s.service())
        + stringSize(2, s.name())
        + stringSize(3, s.resource())
        + sizeOfNumbers(s);
    FlatMap<String> meta = flat(s.meta());
    for (int i = 0; i < meta.size(); i++) size += entrySize(10, stringEntrySize(meta.keyAt(i), meta.valueAt(i)));
    FlatMap<Double> metrics = flat(s.metrics());
    for (int i = 0; i < metrics.size(); i++) {
      if (TopLevel.METRIC.equals(metrics.keyAt(i))) continue; // written below when top-level
      size += entrySize(11, doubleEntrySize(metrics.keyAt(i), metrics.valueAt(i)));
    }
    if (topLevel) size += entrySize(11, doubleEntrySize(TopLevel.METRIC, 1));
    size += stringSize(12, s.type());
    return size + sizeOfStructAndLinks(s);
  }

  /** Fields 4–9. */
  private static int sizeOfNumbers(Span s) {
    return uint64Size(4, s.traceId())
        + uint64Size(5, s.spanId())
        + uint64Size(6, s.parentId())
        + int64Size(7, s.startNanos())
        + int64Size(8, s.durationNanos())
        + (s.error() == 0 ? 0 : computeInt32Size(9, s.error()));
  }

  /** Fields 13 and 14. */
  private static int sizeOfStructAndLinks(Span s) {
    int size = 0;
    for (Map.Entry<String, byte[]> e : s.metaStruct().entrySet()) {
      size += entrySize(13, bytesEntrySize(e.getKey(), e.getValue()));
    }
    List<SpanLink> links = s.spanLinks();
    for (int i = 0; i < links.size(); i++) size += entrySize(14, sizeOfLink(links.get(i)));
    return size;
  }

  /** Writes span {@code index} of the chunk last sized. */
  private void writeSpan(Span s, boolean topLevel, int index, CodedOutputStream o) throws IOException {
    if (s.bytes().present()) {
      // a native span that kept its bytes: its strings copied, never decoded (docs/forward.md)
      raw.writeHead(s, index, o);
      writeNumbers(s, o);
      raw.writeTail(s, topLevel, index, o);
      writeStructAndLinks(s, o);
      return;
    }
    writeString(o, 1, s.service());
    writeString(o, 2, s.name());
    writeString(o, 3, s.resource());
    writeNumbers(s, o);
    FlatMap<String> meta = flat(s.meta());
    for (int i = 0; i < meta.size(); i++) {
      String k = meta.keyAt(i);
      String v = meta.valueAt(i);
      o.writeTag(10, LEN);
      o.writeUInt32NoTag(stringEntrySize(k, v));
      o.writeString(1, k);
      o.writeString(2, v);
    }
    FlatMap<Double> metrics = flat(s.metrics());
    for (int i = 0; i < metrics.size(); i++) {
      if (TopLevel.METRIC.equals(metrics.keyAt(i))) continue;
      writeDoubleEntry(o, metrics.keyAt(i), metrics.valueAt(i));
    }
    if (topLevel) writeDoubleEntry(o, TopLevel.METRIC, 1);
    writeString(o, 12, s.type());
    writeStructAndLinks(s, o);
  }

  /** Fields 4–9. */
  private static void writeNumbers(Span s, CodedOutputStream o) throws IOException {
    if (s.traceId() != 0) o.writeUInt64(4, s.traceId());
    if (s.spanId() != 0) o.writeUInt64(5, s.spanId());
    if (s.parentId() != 0) o.writeUInt64(6, s.parentId());
    if (s.startNanos() != 0) o.writeInt64(7, s.startNanos());
    if (s.durationNanos() != 0) o.writeInt64(8, s.durationNanos());
    if (s.error() != 0) o.writeInt32(9, s.error());
  }

  /** Fields 13 and 14. */
  private static void writeStructAndLinks(Span s, CodedOutputStream o) throws IOException {
    for (Map.Entry<String, byte[]> e : s.metaStruct().entrySet()) {
      o.writeTag(13, LEN);
      o.writeUInt32NoTag(bytesEntrySize(e.getKey(), e.getValue()));
      o.writeString(1, e.getKey());
      o.writeByteArray(2, e.getValue());
    }
    List<SpanLink> links = s.spanLinks();
    for (int i = 0; i < links.size(); i++) {
      SpanLink l = links.get(i);
      o.writeTag(14, LEN);
      o.writeUInt32NoTag(sizeOfLink(l));
      writeLink(l, o);
    }
  }

  private static void writeDoubleEntry(CodedOutputStream o, String key, double value) throws IOException {
    o.writeTag(11, LEN);
    o.writeUInt32NoTag(doubleEntrySize(key, value));
    o.writeString(1, key);
    o.writeDouble(2, value);
  }

  // ---- SpanLink -------------------------------------------------------------------------------

  private static int sizeOfLink(SpanLink l) {
    int size = uint64Size(1, l.traceId()) + uint64Size(2, l.traceIdHigh()) + uint64Size(3, l.spanId());
    for (Map.Entry<String, String> e : l.attributes().entrySet()) {
      size += entrySize(4, stringEntrySize(e.getKey(), e.getValue()));
    }
    size += stringSize(5, l.tracestate());
    if (l.flags() != 0) size += computeUInt32Size(6, linkFlags(l));
    return size;
  }

  private static void writeLink(SpanLink l, CodedOutputStream o) throws IOException {
    if (l.traceId() != 0) o.writeUInt64(1, l.traceId());
    if (l.traceIdHigh() != 0) o.writeUInt64(2, l.traceIdHigh());
    if (l.spanId() != 0) o.writeUInt64(3, l.spanId());
    for (Map.Entry<String, String> e : l.attributes().entrySet()) {
      o.writeTag(4, LEN);
      o.writeUInt32NoTag(stringEntrySize(e.getKey(), e.getValue()));
      o.writeString(1, e.getKey());
      o.writeString(2, e.getValue());
    }
    writeString(o, 5, l.tracestate());
    if (l.flags() != 0) o.writeUInt32(6, linkFlags(l));
  }

  @SuppressWarnings("unchecked")
  static <V> FlatMap<V> flat(Map<String, V> m) {
    return m instanceof FlatMap<?> f ? (FlatMap<V>) f : (FlatMap<V>) FlatMap.copyOf(m);
  }

  /** uint32 flags with the high "set" bit (docs/forward.md, "Payloads"). */
  static int linkFlags(SpanLink l) {
    return (int) (l.flags() | 0x8000_0000L);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static int stringSize(int field, String s) {
    return s.isEmpty() ? 0 : computeStringSize(field, s);
  }

  private static int uint64Size(int field, long v) {
    return v == 0 ? 0 : computeUInt64Size(field, v);
  }

  private static int int64Size(int field, long v) {
    return v == 0 ? 0 : computeInt64Size(field, v);
  }

  /** A length-delimited field of {@code entry} bytes, tag and length included. */
  static int entrySize(int field, int entry) {
    return computeTagSize(field) + computeUInt32SizeNoTag(entry) + entry;
  }

  private static int stringEntrySize(String key, String value) {
    return computeStringSize(1, key) + computeStringSize(2, value);
  }

  private static int doubleEntrySize(String key, double value) {
    return computeStringSize(1, key) + computeDoubleSize(2, value);
  }

  private static int bytesEntrySize(String key, byte[] value) {
    return computeStringSize(1, key) + computeTagSize(2) + computeUInt32SizeNoTag(value.length) + value.length;
  }

  private static void writeString(CodedOutputStream o, int field, String s) throws IOException {
    if (!s.isEmpty()) o.writeString(field, s);
  }
}
