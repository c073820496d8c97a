package org.xraybridge.forward.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.xraybridge.model.ChunkDecoder;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanBytes;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.V04ChunkDecoder;
import org.xraybridge.testing.Cases;

/**
 * Native spans that kept their bytes, written by the v0.4 writer with the priority the bridge
 * decided, read back by msgpack-core: every field as the tracer sent it, the priority as patched, in
 * each place a patch can land (a value replaced, an entry added to metrics — nil, fixmap, map16 —, a
 * metrics key added to a fixmap or a map16 span), and no key twice.
 */
class RawSpansTest {

  private static final ChunkDecoder DECODER = new V04ChunkDecoder(true);
  private final V04TraceWriter writer = new V04TraceWriter();

  /** A tracer's span array, the chunk priority and the priorities merge wrote on some spans. */
  record Case(byte[] array, int chunkPriority, Map<Integer, Integer> spanPriorities) {}

  @Test
  void write_patchedPriorities_readBackByMessageUnpacker_areTheTracersFieldsPlusThePatch() {
    int[] patched = new int[1];
    Cases.forAll(0x5eed_0101L, Cases.tries(1000), RawSpansTest::randomCase, c -> {
      ChunkDecoder.Result r = DECODER.decode(c.array());
      assertThat(r.error()).isEmpty();
      List<Span> spans = new ArrayList<>(r.spans());
      assertThat(spans).allSatisfy(s -> assertThat(s.bytes().present()).isTrue());
      c.spanPriorities().forEach((i, p) -> spans.set(i, spans.get(i).toBuilder().putMetric(Priority.METRIC, p).build()));
      TraceChunk chunk = new TraceChunk(spans.get(0).traceId(), spans, c.chunkPriority(), "", "", Half.NATIVE, TracerInfo.UNKNOWN);
      MsgpackBuffer out = new MsgpackBuffer(64, 1 << 24);
      int size = writer.sizeOf(chunk);
      out.ensureRoom(size);
      writer.write(chunk, out);
      assertThat(out.size()).isEqualTo(size);

      List<Map<String, Value>> sent = read(c.array());
      List<Map<String, Value>> got = read(out.toByteArray(new byte[0], 0));
      assertThat(got).hasSameSizeAs(sent);
      for (int i = 0; i < sent.size(); i++) {
        Integer want = i == 0 && c.chunkPriority() != Priority.NONE ? Integer.valueOf(c.chunkPriority()) : c.spanPriorities().get(i);
        Map<String, Value> expected = new LinkedHashMap<>(sent.get(i));
        Map<String, Value> actual = new LinkedHashMap<>(got.get(i));
        if (want != null) {
          Map<String, Value> metrics = asMap(actual.remove("metrics"));
          assertThat(metrics.remove(Priority.METRIC).asNumberValue().toDouble()).isEqualTo(want.doubleValue());
          Map<String, Value> before = asMap(expected.remove("metrics"));
          before.remove(Priority.METRIC);
          assertThat(metrics).isEqualTo(before);
          patched[0]++;
        }
        assertThat(actual).isEqualTo(expected);
      }
    });
    assertThat(patched[0]).isGreaterThan(500);
  }

  @Test
  void write_noPatch_isTheTracersBytesExactly() {
    Cases.forAll(0x5eed_0102L, Cases.tries(300), RawSpansTest::randomCase, c -> {
      ChunkDecoder.Result r = DECODER.decode(c.array());
      TraceChunk chunk = new TraceChunk(r.spans().get(0).traceId(), r.spans(), Priority.NONE, "", "", Half.NATIVE, TracerInfo.UNKNOWN);
      MsgpackBuffer out = new MsgpackBuffer(64, 1 << 24);
      out.ensureRoom(writer.sizeOf(chunk));
      writer.write(chunk, out);
      assertThat(out.toByteArray(new byte[0], 0)).isEqualTo(c.array());
    });
  }

  @Test
  void chunkEncoder_aTracersWholeTrace_isTheArrayItWasCutFrom_andAChangedOneIsWrittenAnew() {
    V04ChunkEncoder encoder = new V04ChunkEncoder();
    Cases.forAll(0x5eed_0103L, Cases.tries(300), RawSpansTest::randomCase, c -> {
      // spans as the receiver leaves them: sharing one array that is the trace's span array exactly
      List<Span> spans = new ArrayList<>();
      for (Span s : DECODER.decode(c.array()).spans()) spans.add(rebased(s, c.array(), -1));
      assertThat(encoder.encode(spans)).isSameAs(c.array());
      if (spans.size() > 1) assertThat(encoder.encode(spans.subList(1, spans.size()))).isNotSameAs(c.array());
      spans.set(0, spans.get(0).toBuilder().putMetric(Priority.METRIC, 7).build());
      byte[] changed = encoder.encode(spans);
      assertThat(changed).isNotSameAs(c.array());
      Map<String, Value> first = read(changed).get(0);
      assertThat(asMap(first.get("metrics")).get(Priority.METRIC).asNumberValue().toDouble()).isEqualTo(7.0);
      assertThat(read(changed).subList(1, spans.size())).isEqualTo(read(c.array()).subList(1, spans.size()));
    });
  }

  /** {@code s} with its bytes at {@code shift} from where they were, in {@code array}. */
  private static Span rebased(Span s, byte[] array, int shift) {
    SpanBytes b = s.bytes();
    SpanBytes moved = new SpanBytes(array, b.offset() + shift, b.length(), b.fields(), b.metricsAt() < 0 ? -1 : b.metricsAt() + shift,
        b.metricsEnd() + shift, b.metricsCount(), b.priorityAt() < 0 ? -1 : b.priorityAt() + shift, b.priorityEnd() + shift,
        b.priority());
    return new Span(s.traceId(), s.spanId(), s.parentId(), s.startNanos(), s.durationNanos(), s.error(), s.service(), s.name(),
        s.resource(), s.type(), s.meta(), s.metrics(), s.metaStruct(), s.spanLinks(), moved);
  }

  static Case randomCase(SplittableRandom r) {
    long traceId = 1 + r.nextLong(Long.MAX_VALUE - 1);
    int n = 1 + r.nextInt(4);
    Map<Integer, Integer> priorities = new LinkedHashMap<>();
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(n);
      for (int i = 0; i < n; i++) {
        span(p, r, traceId);
        if (r.nextInt(3) == 0) priorities.put(i, r.nextInt(4) - 1);
      }
      int chunkPriority = r.nextInt(3) == 0 ? Priority.NONE : r.nextInt(4) - 1;
      return new Case(p.toByteArray(), chunkPriority, priorities);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A span map as tracers write it, with metrics absent, nil, small or large, with or without a priority. */
  private static void span(MessageBufferPacker p, SplittableRandom r, long traceId) throws IOException {
    int metricsShape = r.nextInt(5); // 0 absent, 1 nil, 2 fixmap, 3 map16, 4 fixmap with a priority
    int extra = r.nextBoolean() ? 0 : 5 + r.nextInt(3); // unknown keys: the span map becomes a map16
    p.packMapHeader(11 + extra + (metricsShape == 0 ? 0 : 1));
    p.packString("service").packString("svc-" + r.nextInt(3));
    p.packString("name").packString("servlet.request");
    p.packString("resource").packString("GET /é/" + r.nextInt(100));
    p.packString("trace_id").packLong(traceId);
    p.packString("span_id").packLong(1 + r.nextLong(Long.MAX_VALUE - 1));
    p.packString("parent_id").packLong(r.nextBoolean() ? 0 : r.nextLong(1000));
    p.packString("start").packLong(TimeCodec.YEAR_2000_NANOS + r.nextLong(1L << 60));
    p.packString("duration").packLong(r.nextLong(1L << 40));
    p.packString("error").packInt(r.nextInt(2));
    p.packString("type").packString("web");
    p.packString("meta").packMapHeader(2);
    p.packString("env").packString("prod");
    p.packString("http.url").packString("https://example.com/" + r.nextInt());
    for (int i = 0; i < extra; i++) p.packString("x_unknown_" + i).packInt(i);
    if (metricsShape == 0) return;
    p.packString("metrics");
    switch (metricsShape) {
      case 1 -> p.packNil();
      case 2 -> p.packMapHeader(1).packString("thread.id").packInt(r.nextInt(100));
      case 3 -> {
        int entries = 15 + r.nextInt(3); // 15: adding the priority crosses from fixmap to map16
        p.packMapHeader(entries);
        for (int i = 0; i < entries; i++) p.packString("m" + i).packDouble(r.nextDouble());
      }
      default -> {
        p.packMapHeader(2).packString("_dd.agent_psr").packDouble(1.0);
        if (r.nextBoolean()) p.packString(Priority.METRIC).packInt(r.nextInt(3));
        else p.packString(Priority.METRIC).packDouble(r.nextInt(3));
      }
    }
  }

  private static List<Map<String, Value>> read(byte[] array) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(array)) {
      List<Map<String, Value>> spans = new ArrayList<>();
      for (Value v : u.unpackValue().asArrayValue()) spans.add(asMap(v));
      assertThat(u.hasNext()).isFalse();
      return spans;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Value> asMap(Value v) {
    Map<String, Value> m = new LinkedHashMap<>();
    if (v == null || v.isNilValue()) return m;
    Value[] kv = v.asMapValue().getKeyValueArray();
    for (int i = 0; i < kv.length; i += 2) {
      String key = kv[i].asStringValue().asString();
      assertThat(m.put(key, kv[i + 1])).as("a second %s", key).isNull();
    }
    return m;
  }
}
