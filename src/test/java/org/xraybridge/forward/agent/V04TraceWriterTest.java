package org.xraybridge.forward.agent;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.MapValue;
import org.xraybridge.forward.TestTraces;
import org.xraybridge.forward.V04Wire;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.testing.Cases;

class V04TraceWriterTest {
  private final V04TraceWriter writer = new V04TraceWriter();

  @Test
  void sizeOf_randomChunks_equalsTheBytesWritten() {
    Cases.forAll(11L, Cases.tries(300), r -> TestTraces.random(r, TestTraces.JAVA), chunk -> {
      MsgpackBuffer out = new MsgpackBuffer(16, 1 << 24);
      int size = writer.sizeOf(chunk);
      out.ensureRoom(size);
      writer.write(chunk, out);
      assertThat(out.size()).isEqualTo(size);
    });
  }

  @Test
  void write_randomChunks_decodesFieldByFieldWithMessageUnpacker() {
    Cases.forAll(12L, Cases.tries(300), r -> TestTraces.random(r, TestTraces.JAVA), chunk -> {
      byte[] body = body(chunk);
      try {
        List<List<MapValue>> traces = V04Wire.decode(body);
        assertThat(traces).hasSize(1);
        V04Wire.assertTrace(traces.get(0), chunk);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });
  }

  @Test
  void primitives_randomValues_areByteForByteWhatMessagePackerWrites() throws IOException {
    SplittableRandom r = new SplittableRandom(13);
    for (int i = 0; i < 3000; i++) {
      long v = switch (i % 4) {
        case 0 -> r.nextLong();
        case 1 -> r.nextLong(-70_000, 70_000);
        case 2 -> r.nextInt();
        default -> 1L << r.nextInt(63);
      };
      String s = TestTraces.text(r, i % 100 == 0 ? 70_000 : 300);
      double d = r.nextDouble() * r.nextLong();
      MsgpackBuffer ours = new MsgpackBuffer(16, 1 << 20);
      ours.ensureRoom(MsgpackBuffer.sizeOfSigned(v) + MsgpackBuffer.sizeOfString(s) + 9 + 10);
      ours.writeSigned(v);
      ours.writeString(s);
      ours.writeDouble(d);
      ours.writeArrayHeader(i % 70_000);
      try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
        p.packLong(v).packString(s).packDouble(d).packArrayHeader(i % 70_000);
        assertThat(ours.toByteArray(new byte[0], 0)).as("case %d", i).isEqualTo(p.toByteArray());
      }
    }
  }

  @Test
  void writeString_asciiPrefixThenWideChars_widensTheHeaderExactlyAsMessagePacker() throws IOException {
    String[] cases = {
      "a".repeat(20) + "é".repeat(6),           // 26 chars, 32 bytes: fixstr → str8
      "b".repeat(200) + "中".repeat(20),         // 220 chars, 260 bytes: str8 → str16
      "c".repeat(65_000) + "😀".repeat(200),     // 65,400 chars, 65,800 bytes: str16 → str32
      "é".repeat(16),                            // the first char already wide
      "x".repeat(31) + "\uD800",                 // a lone surrogate at the end: '?'
    };
    for (String s : cases) {
      MsgpackBuffer ours = new MsgpackBuffer(16, 1 << 20);
      ours.ensureRoom(MsgpackBuffer.sizeOfString(s));
      ours.writeString(s);
      assertThat(ours.size()).isEqualTo(MsgpackBuffer.sizeOfString(s));
      try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
        p.packString(s);
        assertThat(ours.toByteArray(new byte[0], 0)).as("%d chars", s.length()).isEqualTo(p.toByteArray());
      }
    }
  }

  @Test
  void writeUnsigned_topBitSet_isUint64ReadBackAsTheSameBits() throws IOException {
    long id = 0xFEDC_BA98_7654_3210L;
    MsgpackBuffer out = new MsgpackBuffer(16, 16);
    out.ensureRoom(9);
    out.writeUnsigned(id);
    byte[] b = out.toByteArray(new byte[0], 0);
    assertThat(b[0] & 0xff).isEqualTo(0xcf);
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b)) {
      assertThat(u.unpackBigInteger().longValue()).isEqualTo(id);
    }
  }

  @Test
  void write_priorityDiffersFromFirstSpan_replacesTheMetricValue() throws IOException {
    TraceChunk chunk = withFirstSpanPriority(1.0, Priority.USER_KEEP);
    MapValue first = V04Wire.decode(body(chunk)).get(0).get(0);
    assertThat(V04Wire.metric(first, Priority.METRIC)).isEqualTo(2.0);
    V04Wire.assertTrace(V04Wire.decode(body(chunk)).get(0), chunk);
  }

  @Test
  void write_firstSpanAlreadyCarriesThePriority_writesItOnceUnchanged() throws IOException {
    TraceChunk chunk = withFirstSpanPriority(2.0, Priority.USER_KEEP);
    assertThat(V04TraceWriter.injectedPriority(chunk)).isEqualTo(Priority.NONE);
    V04Wire.assertTrace(V04Wire.decode(body(chunk)).get(0), chunk);
  }

  @Test
  void write_noChunkPriority_leavesTheMetricsAsTheyWere() throws IOException {
    TraceChunk chunk = withFirstSpanPriority(1.0, Priority.NONE);
    MapValue first = V04Wire.decode(body(chunk)).get(0).get(0);
    assertThat(V04Wire.metric(first, Priority.METRIC)).isEqualTo(1.0);
  }

  @Test
  void write_priorityOnlyOnTheFirstSpan_otherSpansUntouched() throws IOException {
    TraceChunk chunk = TestTraces.simple(7L, 100L, 3, TestTraces.JAVA, Priority.USER_KEEP);
    List<MapValue> trace = V04Wire.decode(body(chunk)).get(0);
    assertThat(V04Wire.metric(trace.get(0), Priority.METRIC)).isEqualTo(2.0);
    assertThat(V04Wire.metric(trace.get(1), Priority.METRIC)).isNull();
    assertThat(V04Wire.metric(trace.get(2), Priority.METRIC)).isNull();
  }

  private TraceChunk withFirstSpanPriority(double onSpan, int chunkPriority) {
    Span s = Span.builder().traceId(5).spanId(6).service("svc").name("op").resource("r")
        .putMetric(Priority.METRIC, onSpan).putMetric("other", 3.5).build();
    return new TraceChunk(5, List.of(s), chunkPriority, "", "", Half.XRAY_POLL, TracerInfo.XRAY);
  }

  private byte[] body(TraceChunk chunk) {
    int size = writer.sizeOf(chunk);
    MsgpackBuffer out = new MsgpackBuffer(16, 1 << 24);
    out.ensureRoom(size);
    writer.write(chunk, out);
    byte[] header = MsgpackBuffer.arrayHeader(1);
    return out.toByteArray(header, header.length);
  }
}
