package org.xraybridge.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.xraybridge.model.ChunkDecoder;
import org.xraybridge.model.ChunkEncoder;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.Rekeying;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TraceKey;
import org.xraybridge.model.TracerInfo;

/**
 * The records of the spans topic (docs/cluster.md, "The record"): key = the trace key, 8 bytes
 * big-endian, so Kafka's own partitioner puts both halves of a trace in one partition; value = the
 * chunk's spans as a v0.4 span array; headers = what the chunk says besides its spans, with a format
 * version so replicas of two versions can run side by side. A chunk larger than {@code maxRecordBytes}
 * becomes several records of the same key (a span larger than that alone is a record of its own).
 * A record that does not read back is {@link Skipped}, never an exception. Thread-safe.
 */
final class SpanRecords {

  /** The record format this replica writes and reads; a replica meeting another skips and counts it. */
  static final String VERSION = "1";

  static final String H_VERSION = "xb-v";
  static final String H_HALF = "xb-half";
  static final String H_SPANS = "xb-n";
  static final String H_ENV = "xb-env";
  static final String H_PRIORITY = "xb-prio";
  static final String H_RECEIVED = "xb-recv";
  static final String H_ORIGIN = "xb-origin";
  static final String H_CLIENT_STATS = "xb-ccs";
  static final String H_LANG = "xb-lang";
  static final String H_LANG_VERSION = "xb-lang-v";
  static final String H_TRACER_VERSION = "xb-tracer-v";
  static final String H_CONTAINER = "xb-cid";
  static final String H_REPLICA = "xb-replica";
  static final String H_XRAY_ID = "xb-xray-id";
  static final String H_CONVERTED_ID = "xb-tid";
  static final String H_DATADOG = "xb-dd";

  /** What a record read back as. */
  sealed interface Read permits Native, XRay, Skipped {
    /** Spans the record carries (as its header says, for a skipped record). */
    long spans();
  }

  record Native(TraceChunk chunk) implements Read {
    public long spans() {
      return chunk.size();
    }
  }

  record XRay(ConvertedTrace trace) implements Read {
    public long spans() {
      return trace.spans().size();
    }
  }

  /** {@code reason}: {@code version} (a format this replica does not know) or {@code malformed}. */
  record Skipped(String reason, String detail, long spans) implements Read {}

  private final String topic;
  private final String replicaId;
  private final int maxRecordBytes;
  private final ChunkEncoder encoder;
  private final ChunkDecoder decoder;

  SpanRecords(String topic, String replicaId, int maxRecordBytes, ChunkEncoder encoder, ChunkDecoder decoder) {
    this.topic = topic;
    this.replicaId = replicaId;
    this.maxRecordBytes = maxRecordBytes;
    this.encoder = encoder;
    this.decoder = decoder;
  }

  static byte[] key(TraceKey key) {
    return ByteBuffer.allocate(8).putLong(key.value()).array();
  }

  /** A tracer's chunk, as records. */
  List<ProducerRecord<byte[], byte[]>> records(TraceChunk c, long receivedAtMillis) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(1);
    byte[] key = key(c.key());
    for (List<Span> part : split(c.spans())) {
      Headers h = common(Half.NATIVE, part.size(), c.env(), c.priority(), receivedAtMillis, c.origin(), c.tracer());
      out.add(new ProducerRecord<>(topic, null, key, encoder.encode(part), h));
    }
    return out;
  }

  /** An X-Ray half, already re-keyed (its key is {@link Rekeying#keyOf}), as records. */
  List<ProducerRecord<byte[], byte[]>> records(ConvertedTrace t, long receivedAtMillis) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(1);
    byte[] key = key(Rekeying.keyOf(t));
    for (List<Span> part : split(t.spans())) {
      Headers h = common(t.half(), part.size(), t.env(), org.xraybridge.model.Priority.NONE, receivedAtMillis, "", TracerInfo.XRAY);
      put(h, H_XRAY_ID, t.xrayTraceId());
      put(h, H_CONVERTED_ID, Long.toUnsignedString(t.traceId()));
      DatadogContext dd = t.datadog();
      if (dd.present()) {
        put(h, H_DATADOG, Long.toUnsignedString(dd.traceId()) + "," + Long.toUnsignedString(dd.parentId()) + "," + dd.samplingPriority());
      }
      out.add(new ProducerRecord<>(topic, null, key, encoder.encode(part), h));
    }
    return out;
  }

  /** What {@code r} carries, or why it is skipped. */
  Read read(ConsumerRecord<byte[], byte[]> r) {
    Headers h = r.headers();
    long spans = number(h, H_SPANS, -1);
    String version = text(h, H_VERSION);
    if (!VERSION.equals(version)) return new Skipped("version", "format version '" + version + "'", Math.max(0, spans));
    Half half = half(text(h, H_HALF));
    if (half == null || r.value() == null) return new Skipped("malformed", "no half or no value", Math.max(0, spans));
    // an X-Ray half is re-keyed and stitched by merge: its spans are decoded whole, as they were written
    ChunkDecoder.Result d = half == Half.NATIVE ? decoder.decode(r.value()) : decoder.decodeWhole(r.value());
    if (!d.ok()) return new Skipped("malformed", d.error(), Math.max(0, spans));
    List<Span> read = d.spans();
    if (spans >= 0 && read.size() != spans) {
      return new Skipped("malformed", read.size() + " spans where the header says " + spans, spans);
    }
    String env = text(h, H_ENV);
    int priority = (int) number(h, H_PRIORITY, org.xraybridge.model.Priority.NONE);
    if (half == Half.NATIVE) {
      TracerInfo tracer = new TracerInfo(text(h, H_LANG), text(h, H_LANG_VERSION), text(h, H_TRACER_VERSION), text(h, H_CONTAINER),
          "1".equals(text(h, H_CLIENT_STATS)));
      return new Native(new TraceChunk(read.get(0).traceId(), read, priority, text(h, H_ORIGIN), env, half, tracer));
    }
    long converted = unsigned(text(h, H_CONVERTED_ID), read.get(0).traceId());
    DatadogContext dd = datadog(text(h, H_DATADOG));
    return new XRay(new ConvertedTrace(text(h, H_XRAY_ID), converted, half, read, env, dd, Set.of(), Set.of(), Set.of()));
  }

  /** Parts of at most {@code maxRecordBytes} of encoded spans, in order; a larger span alone. */
  private List<List<Span>> split(List<Span> spans) {
    int room = maxRecordBytes - 5; // the array header
    int size = 0;
    for (int i = 0; i < spans.size() && size <= room; i++) size += encoder.sizeOf(spans.get(i));
    if (size <= room) return List.of(spans);
    List<List<Span>> parts = new ArrayList<>();
    int from = 0;
    size = 0;
    for (int i = 0; i < spans.size(); i++) {
      int s = encoder.sizeOf(spans.get(i));
      if (i > from && size + s > room) {
        parts.add(spans.subList(from, i));
        from = i;
        size = 0;
      }
      size += s;
    }
    parts.add(spans.subList(from, spans.size()));
    return parts;
  }

  private Headers common(Half half, int spans, String env, int priority, long receivedAt, String origin, TracerInfo t) {
    Headers h = new RecordHeaders();
    put(h, H_VERSION, VERSION);
    put(h, H_HALF, half.tag());
    put(h, H_SPANS, Integer.toString(spans));
    put(h, H_ENV, env);
    put(h, H_PRIORITY, Integer.toString(priority));
    put(h, H_RECEIVED, Long.toString(receivedAt));
    put(h, H_REPLICA, replicaId);
    if (!origin.isEmpty()) put(h, H_ORIGIN, origin);
    if (t.clientComputedStats()) put(h, H_CLIENT_STATS, "1");
    if (!t.language().isEmpty()) put(h, H_LANG, t.language());
    if (!t.languageVersion().isEmpty()) put(h, H_LANG_VERSION, t.languageVersion());
    if (!t.tracerVersion().isEmpty()) put(h, H_TRACER_VERSION, t.tracerVersion());
    if (!t.containerId().isEmpty()) put(h, H_CONTAINER, t.containerId());
    return h;
  }

  private static void put(Headers h, String key, String value) {
    h.add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  static String text(Headers h, String key) {
    Header v = h.lastHeader(key);
    return v == null || v.value() == null ? "" : new String(v.value(), StandardCharsets.UTF_8);
  }

  private static long number(Headers h, String key, long absent) {
    String t = text(h, key);
    if (t.isEmpty()) return absent;
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      return absent;
    }
  }

  private static long unsigned(String text, long absent) {
    try {
      return text.isEmpty() ? absent : Long.parseUnsignedLong(text);
    } catch (NumberFormatException e) {
      return absent;
    }
  }

  private static Half half(String tag) {
    for (Half h : Half.values()) if (h.tag().equals(tag)) return h;
    return null;
  }

  /** {@code traceId,parentId,priority}; the function tags were applied before producing. */
  private static DatadogContext datadog(String text) {
    String[] f = text.split(",");
    if (f.length != 3) return DatadogContext.NONE;
    try {
      return new DatadogContext(Long.parseUnsignedLong(f[0]), Long.parseUnsignedLong(f[1]), Integer.parseInt(f[2]), Map.of(), 0);
    } catch (NumberFormatException e) {
      return DatadogContext.NONE;
    }
  }
}
