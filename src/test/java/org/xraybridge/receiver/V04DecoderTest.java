package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.receiver.Msgpack.list;
import static org.xraybridge.receiver.Msgpack.pack;
import static org.xraybridge.receiver.Msgpack.span;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.Msgpack.Raw;
import org.xraybridge.receiver.Msgpack.U64;

/** The v0.4 decoder on hand-made payloads: every field, the chunk rules, and each kind of bad input. */
class V04DecoderTest {

  static final long NOW = 1_795_928_900_000_000_000L;
  private static final TracerInfo JAVA = new TracerInfo("java", "17", "1.68.1", "");

  private final V04Decoder decoder = new V04Decoder(() -> NOW);

  private DecodeResult decode(Object payload) {
    byte[] bytes = pack(payload);
    return decoder.decode(bytes, bytes.length, JAVA);
  }

  private static void assertAccounted(DecodeResult r) {
    assertThat(r.spansReceived).isEqualTo(r.accepted() + r.spansMalformed + r.spansInvalid);
  }

  @Test
  void decode_everyField_arrivesExactly() {
    Map<String, Object> s = span(0xa1b2c3d4e5f60718L, 0xfedcba9876543210L, 0x1122334455667788L, "http.request");
    s.put("service", "checkout-service");
    s.put("resource", "POST /checkout");
    s.put("type", "web");
    s.put("error", 1);
    s.put("start", 1_795_928_824_354_847_825L);
    s.put("duration", 916_386_279L);
    s.put("meta", new LinkedHashMap<>(Map.of("_dd.p.tid", "6b0bb2f800000000", "env", "prod", "é", "ü∑")));
    s.put("metrics", new LinkedHashMap<>(Map.of("_sampling_priority_v1", 2, "cart.total", 59.97, "big", new U64(-1L))));
    s.put("meta_struct", new LinkedHashMap<>(Map.of("appsec", new byte[] {(byte) 0x81, (byte) 0xa1, 'k', 1},
        "raw", Map.of("a", 1))));
    s.put("span_links", list(Map.of("trace_id", new U64(-2L), "trace_id_high", new U64(7L), "span_id", new U64(9L),
        "attributes", Map.of("link.name", "x"), "tracestate", "dd=s:1", "flags", (long) 0x80000001L)));
    s.put("span_events", list(Map.of("name", "ev", "time_unix_nano", 5L)));
    s.put("future_field", list(1, 2, 3));

    DecodeResult r = decode(list(list(s)));

    assertThat(r.error).isEmpty();
    assertThat(r.chunks).hasSize(1);
    Span got = r.chunks.get(0).spans().get(0);
    assertThat(got.traceId()).isEqualTo(0xa1b2c3d4e5f60718L);
    assertThat(got.spanId()).isEqualTo(0xfedcba9876543210L);
    assertThat(got.parentId()).isEqualTo(0x1122334455667788L);
    assertThat(got.service()).isEqualTo("checkout-service");
    assertThat(got.name()).isEqualTo("http.request");
    assertThat(got.resource()).isEqualTo("POST /checkout");
    assertThat(got.type()).isEqualTo("web");
    assertThat(got.error()).isEqualTo(1);
    assertThat(got.startNanos()).isEqualTo(1_795_928_824_354_847_825L);
    assertThat(got.durationNanos()).isEqualTo(916_386_279L);
    assertThat(got.meta()).containsExactlyInAnyOrderEntriesOf(Map.of("_dd.p.tid", "6b0bb2f800000000", "env", "prod", "é", "ü∑"));
    assertThat(got.metrics()).containsExactlyInAnyOrderEntriesOf(
        Map.of("_sampling_priority_v1", 2.0, "cart.total", 59.97, "big", 18446744073709551615.0));
    assertThat(got.metaStruct()).containsOnlyKeys("appsec", "raw");
    assertThat(got.metaStruct().get("appsec")).containsExactly(0x81, 0xa1, 'k', 1);
    assertThat(got.metaStruct().get("raw")).containsExactly(pack(Map.of("a", 1)));
    assertThat(got.spanLinks()).containsExactly(
        new SpanLink(-2L, 7L, 9L, Map.of("link.name", "x"), "dd=s:1", 0x80000001L));
    assertAccounted(r);
  }

  @Test
  void decode_lenientTypes_asTheAgentReadsThem() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("service", null);                       // nil string → ""
    s.put("name", "bin".getBytes());              // bin as a string
    s.put("trace_id", 5);                         // fixint id
    s.put("span_id", 6.0);                        // float id, truncated
    s.put("parent_id", null);                     // nil → 0
    s.put("start", 1_795_928_824_354_847_825L);
    s.put("duration", 10);
    s.put("error", null);
    s.put("meta", null);
    s.put("metrics", Map.of("m", -3));            // integer metric
    DecodeResult r = decode(list(list(s), null)); // a nil trace is an empty trace

    assertThat(r.error).isEmpty();
    Span got = r.chunks.get(0).spans().get(0);
    assertThat(got.service()).isEmpty();
    assertThat(got.name()).isEqualTo("bin");
    assertThat(got.traceId()).isEqualTo(5);
    assertThat(got.spanId()).isEqualTo(6);
    assertThat(got.parentId()).isZero();
    assertThat(got.meta()).isEmpty();
    assertThat(got.metrics()).containsEntry("m", -3.0);
    assertThat(r.traces).isEqualTo(2);
  }

  @Test
  void chunk_priorityOriginEnv_fromTheRoot() {
    Map<String, Object> child = span(7, 2, 1, "child");
    child.put("metrics", Map.of(Priority.METRIC, 1));
    child.put("meta", Map.of("env", "child-env", "_dd.origin", "synthetics"));
    Map<String, Object> root = span(7, 1, 0, "root");
    root.put("metrics", Map.of(Priority.METRIC, 2));
    root.put("meta", Map.of("env", "root-env", "_dd.origin", "lambda", "_dd.p.tid", "6b0bb2f800000000"));

    TraceChunk c = decode(list(list(child, root))).chunks.get(0);

    assertThat(c.traceId()).isEqualTo(7);
    assertThat(c.priority()).isEqualTo(2);
    assertThat(c.origin()).isEqualTo("lambda");
    assertThat(c.env()).isEqualTo("root-env");
    assertThat(c.half()).isEqualTo(Half.NATIVE);
    assertThat(c.tracer()).isEqualTo(JAVA);
    assertThat(c.spans()).extracting(Span::name).containsExactly("child", "root");
    assertThat(c.spans().get(1).meta("_dd.p.tid")).isEqualTo("6b0bb2f800000000");
  }

  @Test
  void chunk_env_isTagNormalisedAsTheAgentDoes_theSpanKeepsWhatTheTracerSent() {
    Map<String, Object> root = span(7, 1, 0, "root");
    root.put("meta", Map.of("env", "  Prod EU-1 "));

    TraceChunk c = decode(list(list(root))).chunks.get(0);

    assertThat(c.env()).isEqualTo("prod_eu-1");
    assertThat(c.spans().get(0).meta("env")).isEqualTo("  Prod EU-1 ");
  }

  @Test
  void chunk_rootWithoutPriorityOrEnv_takesTheFirstSpanThatHasThem() {
    Map<String, Object> a = span(7, 2, 1, "a");
    Map<String, Object> b = span(7, 3, 1, "b");
    b.put("metrics", Map.of(Priority.METRIC, -1));
    b.put("meta", Map.of("env", "b-env"));
    Map<String, Object> root = span(7, 1, 0, "root");

    TraceChunk c = decode(list(list(a, b, root))).chunks.get(0);

    assertThat(c.priority()).isEqualTo(Priority.USER_REJECT);
    assertThat(c.env()).isEqualTo("b-env");
    assertThat(c.origin()).isEmpty();
  }

  @Test
  void chunk_noPriorityAnywhere_isNone_andRootIsTheSpanWhoseParentIsMissing() {
    Map<String, Object> orphan = span(7, 2, 99, "orphan");
    orphan.put("meta", Map.of("_dd.origin", "rum"));
    Map<String, Object> child = span(7, 3, 2, "child");
    TraceChunk c = decode(list(list(child, orphan))).chunks.get(0);

    assertThat(c.priority()).isEqualTo(Priority.NONE);
    assertThat(c.origin()).isEqualTo("rum");
  }

  @Test
  void decode_zeroIdsAndForeignTraceId_dropThoseSpansInvalid_keepTheRest() {
    DecodeResult r = decode(list(
        list(span(0, 1, 0, "zero-trace"), span(7, 2, 0, "root"), span(7, 0, 2, "zero-span"), span(8, 3, 2, "foreign"),
            span(7, 4, 2, "kept")),
        list(span(9, 5, 0, "other-trace"))));

    assertThat(r.error).isEmpty();
    assertThat(r.spansInvalid).isEqualTo(3);
    assertThat(r.chunks).extracting(TraceChunk::traceId).containsExactly(7L, 9L);
    assertThat(r.chunks.get(0).spans()).extracting(Span::name).containsExactly("root", "kept");
    assertAccounted(r);
  }

  @Test
  void decode_spanWithAFieldOfTheWrongType_dropsThatSpanMalformed_keepsTheOthers() {
    Map<String, Object> bad = span(7, 2, 1, "bad");
    bad.put("service", 42);
    Map<String, Object> badMeta = span(7, 3, 1, "bad-meta");
    badMeta.put("meta", Map.of("k", list(1)));
    DecodeResult r = decode(list(list(span(7, 1, 0, "root"), bad, badMeta, "not a span"), list(span(8, 1, 0, "next"))));

    assertThat(r.chunks).hasSize(2);
    assertThat(r.chunks.get(0).spans()).extracting(Span::name).containsExactly("root");
    assertThat(r.spansMalformed).isEqualTo(3);
    assertThat(r.errors).isEqualTo(3);
    assertThat(r.error).isEqualTo("Malformed: trace 1 of 2, span 2: 'service' is an integer, expected a string");
    assertThat(r.errorText()).endsWith("(and 2 more)");
    assertAccounted(r);
  }

  @Test
  void decode_traceThatIsNotAnArray_isReported_theNextTraceIsKept() {
    DecodeResult r = decode(list(list(span(7, 1, 0, "a")), Map.of("x", 1), list(span(8, 1, 0, "b"))));

    assertThat(r.chunks).extracting(TraceChunk::traceId).containsExactly(7L, 8L);
    assertThat(r.error).isEqualTo("Malformed: trace 2 of 3 is a map, expected an array of spans");
    assertThat(r.traces).isEqualTo(3);
  }

  @Test
  void decode_truncatedInsideTheSecondTrace_keepsTheFirst_countsWhatWasReadOfTheSecond() {
    byte[] whole = pack(list(list(span(7, 1, 0, "a")), list(span(8, 1, 0, "b"), span(8, 2, 1, "c"))));
    byte[] cut = Arrays.copyOf(whole, whole.length - 5);

    DecodeResult r = decoder.decode(cut, cut.length, JAVA);

    assertThat(r.chunks).extracting(TraceChunk::traceId).containsExactly(7L);
    assertThat(r.error).isEqualTo("Truncated: the body ends at byte " + cut.length + " inside trace 2 of 2");
    assertThat(r.spansReceived).isEqualTo(2); // a, b; c was never completed
    assertThat(r.spansMalformed).isEqualTo(1);
    assertAccounted(r);
  }

  @Test
  void decode_reservedByteInsideATrace_breaksTheFraming_keepsTheTracesBefore() {
    DecodeResult r = decode(list(list(span(7, 1, 0, "a")), list(new Raw(new byte[] {(byte) 0xc1}))));

    assertThat(r.chunks).hasSize(1);
    assertThat(r.error).isEqualTo("Malformed: reserved byte 0xc1 at byte " + (pack(list(list(span(7, 1, 0, "a")))).length + 1)
        + " in trace 2 of 2");
    assertAccounted(r);
  }

  @Test
  void decode_bodyIsNotAnArray_orEmpty_orAnAbsurdLength_isMalformed() {
    assertThat(decode(Map.of("a", 1)).error).isEqualTo("Malformed: the body is a map, expected an array of traces");
    assertThat(decoder.decode(new byte[0], 0, JAVA).error).isEqualTo("Truncated: empty body");
    // array32 declaring 2 billion traces in 5 bytes: nothing is allocated for the claim
    byte[] lie = {(byte) 0xdd, (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThat(decoder.decode(lie, lie.length, JAVA).error).startsWith("Truncated:");
    // 4 billion does not even fit msgpack-core's int
    byte[] huge = {(byte) 0xdd, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThat(decoder.decode(huge, huge.length, JAVA).error)
        .isEqualTo("Malformed: a declared length of 4294967295 does not fit in memory at byte 5 in trace 1");
    // a string that says it is 2 GiB long
    byte[] str32 = {(byte) 0x91, (byte) 0x91, (byte) 0x81, (byte) 0xdb, (byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThat(decoder.decode(str32, str32.length, JAVA).error).startsWith("Truncated:");
  }

  @Test
  void decode_invalidUtf8_isReplacedAndCounted_theSpanIsKept() {
    Map<String, Object> s = span(7, 1, 0, "a");
    byte[] bad = {'o', 'k', (byte) 0xc3, (byte) 0x28, (byte) 0xff};
    s.put("resource", new Raw(concat(new byte[] {(byte) (0xa0 | bad.length)}, bad)));

    DecodeResult r = decode(list(list(s)));

    assertThat(r.error).isEmpty();
    assertThat(r.chunks.get(0).spans().get(0).resource()).isEqualTo("ok\uFFFD(\uFFFD");
    assertThat(r.repairedStrings).isEqualTo(1);
  }

  @Test
  void decode_absurdTimes_areRepairedAsTheAgentDoes() {
    Map<String, Object> negative = span(7, 1, 0, "negative");
    negative.put("duration", -5L);
    Map<String, Object> ancient = span(7, 2, 1, "ancient");
    ancient.put("start", 12L);
    ancient.put("duration", 1_000L);
    Map<String, Object> overflow = span(7, 3, 1, "overflow");
    overflow.put("start", Long.MAX_VALUE - 10);
    overflow.put("duration", 100L);

    List<Span> spans = decode(list(list(negative, ancient, overflow))).chunks.get(0).spans();

    assertThat(spans.get(0).durationNanos()).isZero();
    assertThat(spans.get(1).startNanos()).isEqualTo(NOW - 1_000L);
    assertThat(spans.get(2).durationNanos()).isZero();
    DecodeResult r = decode(list(list(negative, ancient, overflow)));
    assertThat(r.repairedDurations).isEqualTo(2);
    assertThat(r.repairedStarts).isEqualTo(1);
  }

  @Test
  void decode_repeatedStrings_shareOneInstance_fromTheirSecondSighting() {
    List<Span> spans = decode(list(list(span(7, 1, 0, "same"), span(7, 2, 1, "same"), span(7, 3, 1, "same"),
        span(7, 4, 1, "same")))).chunks.get(0).spans();
    // the cache admits a string the second time it sees it, so one-off values never churn it
    assertThat(spans.get(2).name()).isSameAs(spans.get(1).name());
    assertThat(spans.get(3).name()).isSameAs(spans.get(1).name());
  }

  @Test
  void decode_probeOfDdTraceJava_isTwoEmptyTraces() {
    byte[] probe = {(byte) 0x92, (byte) 0x90, (byte) 0x90};
    DecodeResult r = decoder.decode(probe, probe.length, JAVA);
    assertThat(r.error).isEmpty();
    assertThat(r.chunks).isEmpty();
    assertThat(r.traces).isEqualTo(2);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
