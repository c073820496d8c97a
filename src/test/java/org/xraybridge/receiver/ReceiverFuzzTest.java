package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.receiver.Msgpack.list;
import static org.xraybridge.receiver.Msgpack.pack;
import static org.xraybridge.testing.RawHttp.headers;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanBytes;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.receiver.Msgpack.Raw;
import org.xraybridge.receiver.Msgpack.U64;
import org.xraybridge.testing.Cases;
import org.xraybridge.testing.Corpus;
import org.xraybridge.testing.RawHttp;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;

/**
 * Properties over generated and mutated payloads (seeded, {@link Cases}; {@code -Pfuzz-long} raises
 * the count): the decoders never throw and account for every span they delimit; valid payloads decode
 * to exactly what was written; and over HTTP, every request gets a 2xx or 4xx with its reason counted,
 * and a valid payload sent after a bad one on the same connection is decoded in full.
 */
class ReceiverFuzzTest {

  private static final byte[] INTERESTING = {
    (byte) 0xc1, (byte) 0xc0, (byte) 0xdc, (byte) 0xdd, (byte) 0xde, (byte) 0xdf, (byte) 0xdb, (byte) 0xda,
    (byte) 0xd9, (byte) 0xcf, (byte) 0xd3, (byte) 0xcb, (byte) 0xc4, (byte) 0x90, (byte) 0x80, (byte) 0xa0,
    (byte) 0xff, 0x00, 0x7f, '[', '{', '"'
  };
  private static final List<byte[]> SEEDS = seeds();

  private AgentReceiver receiver;

  @AfterEach
  void stop() {
    if (receiver != null) receiver.stop();
  }

  @Test
  void decoders_mutatedAndRandomBodies_neverThrow_andAccountForEverySpan() {
    V04Decoder v04 = new V04Decoder(() -> V04DecoderTest.NOW);
    V05Decoder v05 = new V05Decoder(() -> V04DecoderTest.NOW);
    JsonTraceDecoder json = new JsonTraceDecoder(() -> V04DecoderTest.NOW);
    Cases.forAll(0x5eed_0001L, Cases.tries(2000), ReceiverFuzzTest::badBody, body -> {
      for (DecodeResult r : List.of(
          v04.decode(body, body.length, TracerInfo.UNKNOWN),
          v05.decode(body, body.length, TracerInfo.UNKNOWN),
          json.decode(body, body.length, TracerInfo.UNKNOWN))) {
        assertThat(r.spansReceived).isEqualTo(r.accepted() + r.spansMalformed + r.spansInvalid);
        assertThat(r.error).matches(e -> e.isEmpty() || e.startsWith("Malformed: ") || e.startsWith("Truncated: "), "a reason");
        for (TraceChunk c : r.chunks) {
          assertThat(c.spans()).isNotEmpty().allSatisfy(s -> {
            assertThat(s.traceId()).isEqualTo(c.traceId()).isNotZero();
            assertThat(s.spanId()).isNotZero();
            assertThat(s.durationNanos()).isNotNegative();
          });
        }
      }
    });
  }

  @Test
  void v04BytesThrough_mutatedAndRandomBodies_accountsAsTheWholeDecoder_andEachSpansBytesReadAsItsSpan() {
    V04Decoder whole = new V04Decoder(() -> V04DecoderTest.NOW);
    V04Decoder bytes = new V04Decoder(() -> V04DecoderTest.NOW, new StringCache(), true);
    V04Decoder alone = new V04Decoder(() -> V04DecoderTest.NOW);
    int[] kept = new int[1];
    Cases.forAll(0x5eed_0004L, Cases.tries(2000), ReceiverFuzzTest::badBody, body -> {
      DecodeResult want = whole.decode(body, body.length, TracerInfo.UNKNOWN);
      DecodeResult got = bytes.decode(body, body.length, TracerInfo.UNKNOWN);
      assertThat(got.error).isEqualTo(want.error);
      assertThat(new long[] {got.spansReceived, got.spansMalformed, got.spansInvalid, got.repairedStrings,
          got.repairedDurations, got.repairedStarts})
          .containsExactly(want.spansReceived, want.spansMalformed, want.spansInvalid, want.repairedStrings,
              want.repairedDurations, want.repairedStarts);
      assertThat(got.chunks).hasSameSizeAs(want.chunks);
      for (int c = 0; c < want.chunks.size(); c++) {
        TraceChunk w = want.chunks.get(c), g = got.chunks.get(c);
        assertThat(List.of(g.traceId(), (long) g.priority(), (long) g.size())).isEqualTo(List.of(w.traceId(), (long) w.priority(), (long) w.size()));
        assertThat(g.env()).isEqualTo(w.env());
        assertThat(g.origin()).isEqualTo(w.origin());
        for (int i = 0; i < w.size(); i++) {
          Span gs = g.spans().get(i);
          if (gs.bytes().present()) {
            kept[0]++;
            assertSameSpan(decodeAlone(alone, gs.bytes()), w.spans().get(i));
            // and what was read of it is what the whole decoder read, for the keys read
            assertThat(gs.meta()).isEqualTo(only(w.spans().get(i).meta(), V04Decoder.LEAN_META_KEYS));
            assertThat(gs.metrics()).isEqualTo(only(w.spans().get(i).metrics(), V04Decoder.LEAN_METRICS_KEYS));
          } else {
            assertSameSpan(gs, w.spans().get(i));
          }
        }
      }
    });
    assertThat(kept[0]).as("spans that kept their bytes").isPositive();
  }

  private static <V> Map<String, V> only(Map<String, V> m, String[] keys) {
    Map<String, V> out = new HashMap<>();
    for (String k : keys) if (m.containsKey(k)) out.put(k, m.get(k));
    return out;
  }

  /** A span's bytes read on their own, as a one-span payload, by the whole decoder. */
  static Span decodeAlone(V04Decoder decoder, SpanBytes b) {
    byte[] body = new byte[b.length() + 2];
    body[0] = (byte) 0x91;
    body[1] = (byte) 0x91;
    System.arraycopy(b.array(), b.offset(), body, 2, b.length());
    DecodeResult r = decoder.decode(body, body.length, TracerInfo.UNKNOWN);
    assertThat(r.error).isEmpty();
    return r.chunks.get(0).spans().get(0);
  }

  @Test
  void v04BytesThrough_validPayloads_eachSpanKeepsExactlyTheBytesItWasSentAs() {
    V04Decoder bytes = new V04Decoder(() -> V04DecoderTest.NOW, new StringCache(), true);
    V04Decoder alone = new V04Decoder(() -> V04DecoderTest.NOW);
    Cases.forAll(0x5eed_0005L, Cases.tries(2000), ReceiverFuzzTest::validTraces, traces -> {
      List<Object> wire = encode(traces);
      byte[] body = pack(wire);
      DecodeResult r = bytes.decode(body, body.length, TracerInfo.UNKNOWN);
      assertThat(r.error).isEmpty();
      int chunk = 0;
      for (int t = 0; t < traces.size(); t++) {
        if (traces.get(t).isEmpty()) continue;
        List<Span> got = r.chunks.get(chunk++).spans();
        List<?> sent = (List<?>) wire.get(t);
        assertThat(got).hasSize(sent.size());
        for (int s = 0; s < got.size(); s++) {
          SpanBytes b = got.get(s).bytes();
          assertThat(b.present()).isTrue();
          assertThat(Arrays.copyOfRange(b.array(), b.offset(), b.end())).isEqualTo(pack(sent.get(s)));
          assertSameSpan(decodeAlone(alone, b), traces.get(t).get(s));
        }
      }
    });
  }

  @Test
  void v04_validPayloads_decodeToExactlyWhatWasWritten() {
    V04Decoder v04 = new V04Decoder(() -> V04DecoderTest.NOW);
    Cases.forAll(0x5eed_0002L, Cases.tries(2000), ReceiverFuzzTest::validTraces, traces -> {
      byte[] body = pack(encode(traces));
      DecodeResult r = v04.decode(body, body.length, TracerInfo.UNKNOWN);
      assertThat(r.error).isEmpty();
      assertThat(r.spansMalformed + r.spansInvalid).isZero();
      List<List<Span>> nonEmpty = traces.stream().filter(t -> !t.isEmpty()).toList();
      assertThat(r.chunks).hasSize(nonEmpty.size());
      for (int t = 0; t < nonEmpty.size(); t++) {
        List<Span> want = nonEmpty.get(t);
        List<Span> got = r.chunks.get(t).spans();
        assertThat(got).hasSize(want.size());
        for (int s = 0; s < want.size(); s++) assertSameSpan(got.get(s), want.get(s));
      }
    });
  }

  @Test
  void http_badThenValidOnOneConnection_everyAnswer2xxOr4xxWithACountedReason_validOneDecodedInFull() throws IOException {
    RecordingSink sink = new RecordingSink();
    TestLedger ledger = new TestLedger();
    MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
    receiver = new AgentReceiver(LoopbackSettings.defaults(), sink, sink, PassThroughs.none(), ledger, metrics, ConnectionMetrics.NOOP, Clock.systemUTC());
    receiver.start();
    String[] paths = {"/v0.4/traces", "/v0.5/traces", "/v0.3/traces"};
    String[] types = {"application/msgpack", "application/json", "", "text/plain", "application/msgpack; charset=x"};
    try (RawHttp http = new RawHttp(receiver.port())) {
      // two HTTP exchanges per case: a quarter of the decoder properties' count keeps the run short
      Cases.forAll(0x5eed_0003L, Math.max(50, Cases.tries(2000) / 4), random -> random, random -> {
        try {
          byte[] bad = badBody(random);
          String path = paths[random.nextInt(paths.length)];
          String type = types[random.nextInt(types.length)];
          sink.overloaded = random.nextInt(10) == 0;
          long malformedBefore = metrics.counts().malformedRequests();
          long overloadedBefore = metrics.counts().overloadedRequests();

          RawHttp.Response r = http.exchange("PUT", path, headers("Content-Type", type,
              "X-Datadog-Trace-Count", String.valueOf(random.nextInt(5)),
              "Datadog-Send-Real-Http-Status", random.nextBoolean() ? "true" : "false"), bad);

          assertThat(r.status()).isIn(200, 400, 429);
          if (r.status() == 400) {
            assertThat(r.text()).matches(t -> t.startsWith("Malformed: ") || t.startsWith("Truncated: "), "a reason");
            assertThat(metrics.counts().malformedRequests()).isEqualTo(malformedBefore + 1);
          }
          if (r.status() == 429) assertThat(metrics.counts().overloadedRequests()).isEqualTo(overloadedBefore + 1);
          assertThat(ledger.received(Half.NATIVE)).isEqualTo(sink.spanCount() + ledger.dropped(Ledger.Stage.RECEIVE));

          sink.overloaded = false;
          List<List<Span>> traces = validTraces(random);
          int offers = sink.offers.size();
          RawHttp.Response ok = http.exchange("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack"),
              pack(encode(traces)));
          assertThat(ok.status()).as(ok.text()).isEqualTo(200);
          List<Span> want = traces.stream().flatMap(List::stream).toList();
          List<Span> got = sink.offers.size() > offers
              ? sink.offers.get(offers).stream().flatMap(c -> c.spans().stream()).toList()
              : List.of();
          assertThat(got).extracting(Span::spanId).containsExactlyElementsOf(want.stream().map(Span::spanId).toList());
          assertThat(ledger.received(Half.NATIVE)).isEqualTo(sink.spanCount() + ledger.dropped(Ledger.Stage.RECEIVE));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // generators

  /** A body that is likely broken: a mutated seed, a random structure with wrong types, or noise. */
  static byte[] badBody(SplittableRandom random) {
    return switch (random.nextInt(4)) {
      case 0, 1 -> mutate(SEEDS.get(random.nextInt(SEEDS.size())), random);
      case 2 -> pack(randomStructure(random));
      default -> {
        byte[] noise = new byte[random.nextInt(64)];
        for (int i = 0; i < noise.length; i++) noise[i] = (byte) random.nextInt(256);
        yield noise;
      }
    };
  }

  static byte[] mutate(byte[] seed, SplittableRandom random) {
    byte[] b = seed.clone();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n && b.length > 0; i++) {
      int at = random.nextInt(b.length);
      switch (random.nextInt(6)) {
        case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
        case 2 -> b = Arrays.copyOf(b, at);
        case 3 -> {
          int end = Math.min(b.length, at + 1 + random.nextInt(16));
          byte[] c = new byte[b.length - (end - at)];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, end, c, at, b.length - end);
          b = c;
        }
        case 4 -> {
          byte[] insert = new byte[1 + random.nextInt(8)];
          for (int k = 0; k < insert.length; k++) insert[k] = INTERESTING[random.nextInt(INTERESTING.length)];
          byte[] c = new byte[b.length + insert.length];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(insert, 0, c, at, insert.length);
          System.arraycopy(b, at, c, at + insert.length, b.length - at);
          b = c;
        }
        default -> {
          int len = Math.min(b.length - at, 1 + random.nextInt(32));
          byte[] c = Arrays.copyOf(b, b.length + len);
          System.arraycopy(b, at, c, at + len, b.length - at);
          b = c;
        }
      }
    }
    return b;
  }

  /** v0.4-shaped values where any field may have the wrong type, an id may be 0, a string bad UTF-8. */
  static Object randomStructure(SplittableRandom random) {
    List<Object> traces = list();
    int n = random.nextInt(4);
    for (int t = 0; t < n; t++) {
      if (random.nextInt(8) == 0) {
        traces.add(randomValue(random, 2));
        continue;
      }
      List<Object> spans = list();
      long traceId = random.nextInt(4) == 0 ? 0 : random.nextLong();
      for (int s = random.nextInt(5); s > 0; s--) {
        Map<String, Object> span = Msgpack.span(random.nextInt(6) == 0 ? random.nextLong() : traceId,
            random.nextInt(6) == 0 ? 0 : random.nextLong(), random.nextLong(), "op");
        for (String key : List.copyOf(span.keySet())) {
          if (random.nextInt(12) == 0) span.put(key, randomValue(random, 2));
        }
        if (random.nextInt(6) == 0) {
          span.put("resource", new Raw(new byte[] {(byte) 0xa3, 'a', (byte) 0xc3, (byte) random.nextInt(256)}));
        }
        if (random.nextInt(8) == 0) span.put("start", random.nextLong());
        if (random.nextInt(8) == 0) span.put("duration", random.nextLong());
        if (random.nextInt(8) == 0) span.put("span_links", list(map("trace_id", randomValue(random, 1))));
        if (random.nextInt(8) == 0) span.put("meta_struct", map("k", randomValue(random, 2)));
        spans.add(random.nextInt(20) == 0 ? randomValue(random, 1) : span);
      }
      traces.add(spans);
    }
    return random.nextInt(20) == 0 ? list(list("dict"), traces) : traces;
  }

  static Object randomValue(SplittableRandom random, int depth) {
    int kind = random.nextInt(depth > 0 ? 9 : 7);
    return switch (kind) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong();
      case 3 -> random.nextDouble();
      case 4 -> randomString(random);
      case 5 -> new byte[] {(byte) random.nextInt(256)};
      case 6 -> new U64(random.nextLong());
      case 7 -> list(randomValue(random, depth - 1), randomValue(random, depth - 1));
      default -> map(randomString(random), randomValue(random, depth - 1));
    };
  }

  /** Valid traces: every id non-zero, one trace id per trace, any text, times the Agent would not repair. */
  static List<List<Span>> validTraces(SplittableRandom random) {
    List<List<Span>> traces = new ArrayList<>();
    for (int t = random.nextInt(4); t >= 0; t--) {
      long traceId = nonZero(random);
      List<Span> spans = new ArrayList<>();
      for (int s = random.nextInt(5); s > 0; s--) {
        Span.Builder b = Span.builder()
            .traceId(traceId).spanId(nonZero(random)).parentId(random.nextInt(3) == 0 ? 0 : random.nextLong())
            .startNanos(TimeCodec.YEAR_2000_NANOS + random.nextLong(Long.MAX_VALUE / 2))
            .durationNanos(random.nextLong(1L << 40)).error(random.nextInt(3))
            .service(randomString(random)).name(randomString(random)).resource(randomString(random))
            .type(randomString(random));
        for (int m = random.nextInt(6); m > 0; m--) b.putMeta(randomString(random), randomString(random));
        for (int m = random.nextInt(4); m > 0; m--) {
          b.putMetric(randomString(random), random.nextBoolean() ? random.nextInt(5) : random.nextDouble() * 1e6);
        }
        // the tags a span that keeps its bytes is still read for, and names a byte or a word away from them
        if (random.nextBoolean()) {
          String[] keys = V04Decoder.LEAN_META_KEYS;
          String k = keys[random.nextInt(keys.length)];
          b.putMeta(random.nextInt(4) == 0 ? k + "x" : k, randomString(random));
        }
        if (random.nextBoolean()) {
          String[] keys = V04Decoder.LEAN_METRICS_KEYS;
          String k = keys[random.nextInt(keys.length)];
          b.putMetric(random.nextInt(4) == 0 ? k.substring(0, k.length() - 1) + "_" : k, random.nextInt(5));
        }
        if (random.nextInt(4) == 0) {
          byte[] blob = new byte[random.nextInt(20)];
          random.nextBytes(blob);
          b.putMetaStruct(randomString(random), blob);
        }
        if (random.nextInt(4) == 0) {
          b.addSpanLink(new SpanLink(random.nextLong(), random.nextLong(), random.nextLong(),
              Map.of(randomString(random), randomString(random)), randomString(random), random.nextLong(1L << 32)));
        }
        spans.add(b.build());
      }
      traces.add(spans);
    }
    return traces;
  }

  /** The v0.4 wire form of spans (the encoder side of the round trip: msgpack-core's packer). */
  static List<Object> encode(List<List<Span>> traces) {
    List<Object> out = list();
    for (List<Span> trace : traces) {
      List<Object> spans = list();
      for (Span s : trace) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", s.service());
        m.put("name", s.name());
        m.put("resource", s.resource());
        m.put("trace_id", new U64(s.traceId()));
        m.put("span_id", new U64(s.spanId()));
        m.put("parent_id", new U64(s.parentId()));
        m.put("start", s.startNanos());
        m.put("duration", s.durationNanos());
        m.put("error", s.error());
        m.put("type", s.type());
        m.put("meta", new LinkedHashMap<>(s.meta()));
        Map<String, Object> metrics = new LinkedHashMap<>();
        s.metrics().forEach((k, v) -> metrics.put(k, v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) (double) v : v));
        m.put("metrics", metrics);
        if (!s.metaStruct().isEmpty()) m.put("meta_struct", new LinkedHashMap<>(s.metaStruct()));
        if (!s.spanLinks().isEmpty()) {
          List<Object> links = list();
          for (SpanLink l : s.spanLinks()) {
            links.add(Map.of("trace_id", new U64(l.traceId()), "trace_id_high", new U64(l.traceIdHigh()),
                "span_id", new U64(l.spanId()), "attributes", l.attributes(), "tracestate", l.tracestate(),
                "flags", l.flags()));
          }
          m.put("span_links", links);
        }
        spans.add(m);
      }
      out.add(spans);
    }
    return out;
  }

  static void assertSameSpan(Span got, Span want) {
    assertThat(got.traceId()).isEqualTo(want.traceId());
    assertThat(got.spanId()).isEqualTo(want.spanId());
    assertThat(got.parentId()).isEqualTo(want.parentId());
    assertThat(got.startNanos()).isEqualTo(want.startNanos());
    assertThat(got.durationNanos()).isEqualTo(want.durationNanos());
    assertThat(got.error()).isEqualTo(want.error());
    assertThat(got.service()).isEqualTo(want.service());
    assertThat(got.name()).isEqualTo(want.name());
    assertThat(got.resource()).isEqualTo(want.resource());
    assertThat(got.type()).isEqualTo(want.type());
    assertThat(got.meta()).isEqualTo(want.meta());
    assertThat(got.metrics()).isEqualTo(want.metrics());
    assertThat(got.metaStruct().keySet()).isEqualTo(want.metaStruct().keySet());
    want.metaStruct().forEach((k, v) -> assertThat(got.metaStruct().get(k)).isEqualTo(v));
    assertThat(got.spanLinks()).isEqualTo(want.spanLinks());
  }

  static String randomString(SplittableRandom random) {
    int n = random.nextInt(random.nextInt(10) == 0 ? 200 : 12);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      switch (random.nextInt(6)) {
        case 0 -> sb.append((char) ('a' + random.nextInt(26)));
        case 1 -> sb.append("._-:/ ".charAt(random.nextInt(6)));
        case 2 -> sb.append((char) (0xe0 + random.nextInt(32)));     // Latin-1
        case 3 -> sb.append((char) (0x4e00 + random.nextInt(2000))); // CJK
        case 4 -> sb.appendCodePoint(0x1f600 + random.nextInt(40));  // emoji, a surrogate pair
        default -> sb.append((char) ('0' + random.nextInt(10)));
      }
    }
    return random.nextInt(8) == 0 ? "service" : sb.toString(); // sometimes a span key as a value
  }

  /** A one-entry map that, unlike {@code Map.of}, takes a null value (written as nil). */
  private static Map<Object, Object> map(Object key, Object value) {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put(key, value);
    return m;
  }

  private static long nonZero(SplittableRandom random) {
    long v;
    do {
      v = random.nextLong();
    } while (v == 0);
    return v;
  }

  private static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    for (String f : new String[] {
        "captured/dd-java-agent_v04/0011-http-PUT-v0_4_traces.bin",
        "captured/dd-java-agent_v05/0011-http-PUT-v0_5_traces.bin",
        "captured/dd-java-agent_p0-client-drop/0011-http-PUT-v0_4_traces.bin"}) {
      try {
        seeds.add(Files.readAllBytes(Corpus.file(f)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    seeds.add(pack(encode(validTraces(new SplittableRandom(7)))));
    seeds.add("[[{\"trace_id\":7,\"span_id\":1,\"name\":\"n\",\"meta\":{\"a\":\"b\"}}]]".getBytes(StandardCharsets.UTF_8));
    return seeds;
  }
}
