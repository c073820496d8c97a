package org.xraybridge.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.xraybridge.forward.agent.V04ChunkEncoder;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.Rekeying;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanBytes;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TraceKey;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.V04ChunkDecoder;

/**
 * The spans-topic record (docs/cluster.md, "The record"), through the real v0.4 writer and decoder:
 * what goes in reads back field by field; a chunk past max-record-bytes becomes several records of the
 * same key, each below the bound, spans in order; an X-Ray half is keyed by its datadog-metadata; a
 * record of another format version, or one that does not decode, is skipped with its reason.
 */
class SpanRecordsTest {

  static final TracerInfo TRACER = new TracerInfo("java", "17.0.15", "1.68.1", "c0ffee", true);
  final SpanRecords records = new SpanRecords("t-spans", "r1", 16 * 1024, new V04ChunkEncoder(), new V04ChunkDecoder());

  @Test
  void nativeChunk_readsBackFieldByField() {
    TraceChunk c = new TraceChunk(0x8000_0000_0000_0042L, spans(0x8000_0000_0000_0042L, 3, 10), 2, "lambda", "prod", Half.NATIVE, TRACER);
    List<ProducerRecord<byte[], byte[]>> out = records.records(c, 1234);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).key()).isEqualTo(SpanRecords.key(TraceKey.of(c.traceId())));
    SpanRecords.Read read = records.read(consumed(out.get(0)));
    assertThat(read).isInstanceOf(SpanRecords.Native.class);
    TraceChunk back = ((SpanRecords.Native) read).chunk();
    assertThat(back.spans()).isEqualTo(c.spans());
    assertThat(back.traceId()).isEqualTo(c.traceId());
    assertThat(back.priority()).isEqualTo(2);
    assertThat(back.origin()).isEqualTo("lambda");
    assertThat(back.env()).isEqualTo("prod");
    assertThat(back.tracer()).isEqualTo(TRACER);
    assertThat(SpanRecords.text(out.get(0).headers(), SpanRecords.H_RECEIVED)).isEqualTo("1234");
    assertThat(SpanRecords.text(out.get(0).headers(), SpanRecords.H_REPLICA)).isEqualTo("r1");
  }

  @Test
  void aChunkPastTheBound_isSplitIntoRecordsOfOneKey_belowTheBound_spansInOrder() {
    TraceChunk c = new TraceChunk(77, spans(77, 120, 600), 1, "", "prod", Half.NATIVE, TRACER);
    List<ProducerRecord<byte[], byte[]>> out = records.records(c, 0);
    assertThat(out.size()).isGreaterThan(1);
    List<Span> back = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : out) {
      assertThat(r.value().length).isLessThanOrEqualTo(16 * 1024);
      assertThat(r.key()).isEqualTo(out.get(0).key());
      back.addAll(((SpanRecords.Native) records.read(consumed(r))).chunk().spans());
    }
    assertThat(back).isEqualTo(c.spans());
  }

  @Test
  void aSpanLargerThanTheBound_isARecordOfItsOwn_neverDropped() {
    Span big = spans(5, 1, 40_000).get(0);
    List<ProducerRecord<byte[], byte[]>> out = records.records(new TraceChunk(5, List.of(big), 1, "", "", Half.NATIVE, TRACER), 0);
    assertThat(out).hasSize(1);
    assertThat(((SpanRecords.Native) records.read(consumed(out.get(0)))).chunk().spans()).containsExactly(big);
  }

  @Test
  void xrayHalf_isKeyedByItsDatadogMetadata_andReadsBackReKeyed() {
    DatadogContext dd = new DatadogContext(0x1234L, 0x99L, 1, Map.of("function_trigger.event_source", "sqs"), 0);
    ConvertedTrace t = Rekeying.apply(new ConvertedTrace("1-5f000000-0123456789abcdef01234567", 0xabcdL, Half.XRAY_POLL,
        spans(0xabcdL, 2, 10), "prod", dd, Set.of("a"), Set.of(), Set.of()));
    ProducerRecord<byte[], byte[]> r = records.records(t, 0).get(0);
    assertThat(r.key()).isEqualTo(SpanRecords.key(TraceKey.of(0x1234L)));
    ConvertedTrace back = ((SpanRecords.XRay) records.read(consumed(r))).trace();
    assertThat(back.spans()).isEqualTo(t.spans());
    assertThat(back.spans()).allMatch(s -> s.traceId() == 0x1234L);
    assertThat(back.traceId()).isEqualTo(0xabcdL);
    assertThat(back.xrayTraceId()).isEqualTo("1-5f000000-0123456789abcdef01234567");
    assertThat(back.datadog().traceId()).isEqualTo(0x1234L);
    assertThat(back.datadog().samplingPriority()).isEqualTo(1);
    assertThat(Rekeying.apply(back).spans()).isSameAs(back.spans()); // the stitcher's re-key changes nothing now
  }

  @Test
  void anotherFormatVersion_orBytesThatDoNotDecode_areSkippedWithTheirReason() {
    ProducerRecord<byte[], byte[]> good = records.records(new TraceChunk(9, spans(9, 2, 10), 1, "", "", Half.NATIVE, TRACER), 0).get(0);
    RecordHeaders v2 = new RecordHeaders(good.headers().toArray());
    v2.remove(SpanRecords.H_VERSION);
    v2.add(SpanRecords.H_VERSION, "2".getBytes());
    assertThat(records.read(consumed(new ProducerRecord<>("t", null, good.key(), good.value(), v2))))
        .isEqualTo(new SpanRecords.Skipped("version", "format version '2'", 2));
    SpanRecords.Read broken = records.read(consumed(new ProducerRecord<>("t", null, good.key(), new byte[] {(byte) 0x92, 1, 2},
        good.headers())));
    assertThat(broken).isInstanceOf(SpanRecords.Skipped.class);
    assertThat(((SpanRecords.Skipped) broken).reason()).isEqualTo("malformed");
    byte[] cut = java.util.Arrays.copyOf(good.value(), good.value().length - 3);
    assertThat(((SpanRecords.Skipped) records.read(consumed(new ProducerRecord<>("t", null, good.key(), cut, good.headers())))).reason())
        .isEqualTo("malformed");
  }

  @Test
  void bytesThrough_recordsCarryEachSpansTracerBytesUnchanged_acrossASplit() {
    SpanRecords bytes = new SpanRecords("t-spans", "r1", 16 * 1024, new V04ChunkEncoder(), new V04ChunkDecoder(true));
    byte[] tracerArray = new V04ChunkEncoder().encode(spans(77, 120, 600));
    List<Span> sent = new V04ChunkDecoder(true).decode(tracerArray).spans();
    assertThat(sent).allSatisfy(s -> assertThat(s.bytes().present()).isTrue());
    List<ProducerRecord<byte[], byte[]>> out = bytes.records(new TraceChunk(77, sent, 1, "", "prod", Half.NATIVE, TRACER), 0);
    assertThat(out.size()).isGreaterThan(1);
    List<Span> back = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : out) back.addAll(((SpanRecords.Native) bytes.read(consumed(r))).chunk().spans());
    assertThat(back).hasSameSizeAs(sent);
    for (int i = 0; i < sent.size(); i++) {
      assertThat(slice(back.get(i).bytes())).isEqualTo(slice(sent.get(i).bytes()));
      assertThat(back.get(i).spanId()).isEqualTo(sent.get(i).spanId());
    }
  }

  @Test
  void bytesThrough_anXRayHalf_readsBackAsWholeSpans_whichMergeMayReKey() {
    SpanRecords bytes = new SpanRecords("t-spans", "r1", 16 * 1024, new V04ChunkEncoder(), new V04ChunkDecoder(true));
    ConvertedTrace t = new ConvertedTrace("1-5f000000-0123456789abcdef01234567", 0xabcdL, Half.XRAY_POLL,
        spans(0xabcdL, 3, 10), "prod", DatadogContext.NONE, Set.of("a"), Set.of(), Set.of());
    ConvertedTrace back = ((SpanRecords.XRay) bytes.read(consumed(bytes.records(t, 0).get(0)))).trace();
    assertThat(back.spans()).isEqualTo(t.spans()).allSatisfy(s -> assertThat(s.bytes().present()).isFalse());
    assertThat(back.spans().get(0).toBuilder().traceId(0x1234L).putMeta("_dd.p.tid", "0000000000000001").build().traceId())
        .isEqualTo(0x1234L);
  }

  private static byte[] slice(SpanBytes b) {
    return java.util.Arrays.copyOfRange(b.array(), b.offset(), b.end());
  }

  static List<Span> spans(long traceId, int n, int tagBytes) {
    List<Span> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(Span.builder().traceId(traceId).spanId(i).parentId(i == 1 ? 0 : 1).startNanos(1_790_000_000_000_000_000L + i)
          .durationNanos(10).service("svc").name("op").resource("r").type("web").putMeta("env", "prod")
          .putMeta("blob", "x".repeat(tagBytes)).putMetric("n", i).build());
    }
    return out;
  }

  static ConsumerRecord<byte[], byte[]> consumed(ProducerRecord<byte[], byte[]> r) {
    return new ConsumerRecord<>("t-spans", 0, 7, 0, TimestampType.CREATE_TIME, r.key().length, r.value().length, r.key(), r.value(),
        r.headers(), Optional.empty());
  }
}
