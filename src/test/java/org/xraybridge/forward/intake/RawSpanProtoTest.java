package org.xraybridge.forward.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.xraybridge.forward.TestTraces;
import org.xraybridge.forward.agent.V04ChunkEncoder;
import org.xraybridge.forward.intake.proto.AgentPayload;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.V04ChunkDecoder;
import org.xraybridge.testing.Cases;
import org.xraybridge.testing.Corpus;

/**
 * The intake writer's bytes-through path (docs/forward.md, "Bytes through"): a native span that kept
 * its msgpack bytes is written to protobuf from those bytes, and the result is byte for byte what the
 * writer makes of the same span decoded whole — with the merge's priority and the error rescue's rate
 * set on it, and the writer's {@code _top_level} — on random chunks, on dd-java-agent's own payload
 * and on msgpack shapes our encoder never writes (bin strings, nil maps and values, float32, uint64,
 * negative fixints, map16). Duplicate keys, which no writer of ours makes, read back as the decoder
 * reads them.
 */
class RawSpanProtoTest {
  private final V04ChunkDecoder decoder = new V04ChunkDecoder(true);
  private final V04ChunkEncoder encoder = new V04ChunkEncoder();
  private final IntakeTraceWriter writer = new IntakeTraceWriter();
  private final TopLevel topLevel = new TopLevel();

  @Test
  void randomChunks_keptBytes_writeExactlyWhatTheDecodedSpansWrite_withPriorityAndRescueRateSet() {
    int[] kept = new int[1];
    Cases.forAll(0x1a7a_be55L, Cases.tries(400), r -> r.split(), r -> {
      TraceChunk chunk = TestTraces.random(r, TestTraces.JAVA);
      byte[] array = encoder.encode(chunk.spans());
      List<Span> lean = decoder.decode(array).spans();
      List<Span> whole = decoder.decodeWhole(array).spans();
      assertThat(lean).hasSameSizeAs(whole).hasSize(chunk.size());
      int change = r.nextInt(3);
      double value = r.nextInt(4) - 1;
      kept[0] += (int) lean.stream().filter(s -> s.bytes().present()).count();
      assertSameEntry(changed(lean, change, value), changed(whole, change, value), chunk.priority());
    });
    assertThat(kept[0]).as("spans that kept their bytes").isGreaterThan(1000);
  }

  @Test
  void ddJavaAgentPayload_everyTrace_writesExactlyWhatItsDecodedSpansWrite() throws IOException {
    byte[] body = java.nio.file.Files.readAllBytes(Corpus.file("captured/dd-java-agent_v04/0011-http-PUT-v0_4_traces.bin"));
    int traces = 0;
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      int n = u.unpackArrayHeader();
      for (int t = 0; t < n; t++) {
        byte[] array = pack(u.unpackValue());
        List<Span> lean = decoder.decode(array).spans();
        assertThat(lean).allMatch(s -> s.bytes().present());
        assertSameEntry(lean, decoder.decodeWhole(array).spans(), Priority.AUTO_KEEP);
        traces++;
      }
    }
    assertThat(traces).isPositive();
  }

  @Test
  void msgpackShapesOurEncoderNeverWrites_writeWhatTheDecoderReads() throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(2);
    // span 1: bin service, nil name, str16 resource, nil meta, metrics of every number shape
    p.packMapHeader(9);
    p.packString("service").packBinaryHeader(3).writePayload("svc".getBytes(StandardCharsets.UTF_8));
    p.packString("name").packNil();
    p.packString("resource").packString("r".repeat(300));
    p.packString("trace_id").packLong(-7); // uint64 above 2^63 as the tracer's int64 bits
    p.packString("span_id").packLong(11);
    p.packString("start").packLong(TestTraces.T0);
    p.packString("duration").packInt(5);
    p.packString("meta").packNil();
    p.packString("metrics").packMapHeader(7)
        .packString("f32").packFloat(1.5f)
        .packString("u64").packBigInteger(new java.math.BigInteger("18446744073709551615"))
        .packString("neg").packInt(-3)
        .packString("nil").packNil()
        .packString("i16").packShort((short) -300)
        .packString("_top_level").packInt(1)
        .packString(Priority.METRIC).packFloat(2f);
    // span 2: map16 meta with a nil key and nil value, a non-ASCII tag, a priority as an integer
    p.packMapHeader(6);
    p.packString("span_id").packLong(12);
    p.packString("parent_id").packLong(11);
    p.packString("trace_id").packLong(-7);
    p.packString("start").packLong(TestTraces.T0 + 1);
    p.packString("meta").packMapHeader(20);
    p.packNil().packString("nil key");
    p.packString("nil value").packNil();
    p.packString("grüße").packString("日本");
    for (int i = 0; i < 17; i++) p.packString("k" + i).packString("v".repeat(i));
    p.packString("metrics").packMapHeader(1).packString(Priority.METRIC).packInt(1);
    byte[] array = p.toByteArray();
    List<Span> lean = decoder.decode(array).spans();
    assertThat(lean).hasSize(2).allMatch(s -> s.bytes().present());
    for (int change = 0; change < 3; change++) {
      assertSameEntry(changed(lean, change, 0), changed(decoder.decodeWhole(array).spans(), change, 0), Priority.NONE);
    }
  }

  @Test
  void duplicateKeys_readBackAsTheDecoderReadsThem_theLastValue() throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(1).packMapHeader(7);
    p.packString("span_id").packLong(1);
    p.packString("trace_id").packLong(2);
    p.packString("start").packLong(TestTraces.T0);
    p.packString("service").packString("first");
    p.packString("service").packString("second");
    p.packString("meta").packMapHeader(2).packString("a").packString("1").packString("a").packString("2");
    p.packString("metrics").packMapHeader(2).packString("m").packDouble(1).packString("m").packDouble(2);
    byte[] array = p.toByteArray();
    List<Span> lean = decoder.decode(array).spans();
    assertThat(lean.get(0).bytes().present()).isTrue();
    org.xraybridge.forward.intake.proto.Span got = parse(entry(lean, Priority.NONE)).getSpans(0);
    org.xraybridge.forward.intake.proto.Span want = parse(entry(decoder.decodeWhole(array).spans(), Priority.NONE)).getSpans(0);
    assertThat(got.getService()).isEqualTo("second");
    assertThat(got.getMetaMap()).isEqualTo(want.getMetaMap()).containsEntry("a", "2");
    assertThat(got.getMetricsMap()).isEqualTo(want.getMetricsMap()).containsEntry("m", 2.0);
  }

  /**
   * The spans with one change the bridge makes: 0 none, 1 the merge's priority on the first span
   * ({@code value}), 2 the error rescue's rate on the first span.
   */
  private static List<Span> changed(List<Span> spans, int change, double value) {
    if (change == 0) return spans;
    List<Span> out = new ArrayList<>(spans);
    String metric = change == 1 ? Priority.METRIC : ErrorRescue.RATE_METRIC;
    out.set(0, spans.get(0).toBuilder().putMetric(metric, change == 1 ? value : 0.25).build());
    return out;
  }

  private void assertSameEntry(List<Span> lean, List<Span> whole, int priority) {
    byte[] got = entry(lean, priority);
    byte[] want = entry(whole, priority);
    assertThat(got).as("entry written from kept bytes vs from the decoded spans").isEqualTo(want);
    try {
      assertThat(parse(got).getSpansCount()).isEqualTo(whole.size());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private byte[] entry(List<Span> spans, int priority) {
    TraceChunk chunk = new TraceChunk(spans.get(0).traceId(), spans, priority, "", "prod", Half.NATIVE, TracerInfo.UNKNOWN);
    boolean[] top = Arrays.copyOf(topLevel.compute(spans), spans.size());
    ProtoBuffer out = new ProtoBuffer(64, 1 << 24);
    int size = writer.sizeOfChunkEntry(chunk, priority, top);
    writer.writeChunkEntry(chunk, priority, top, out);
    assertThat(out.size()).as("the size measured first").isEqualTo(size);
    return IntakeTraceWriter.agentPayload("h", "prod", "v", List.of(new IntakeTraceWriter.Group(TracerInfo.UNKNOWN, "prod", out)));
  }

  private static org.xraybridge.forward.intake.proto.TraceChunk parse(byte[] payload) throws IOException {
    return AgentPayload.parseFrom(payload).getTracerPayloads(0).getChunks(0);
  }

  private static byte[] pack(Value v) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packValue(v);
    return p.toByteArray();
  }
}
