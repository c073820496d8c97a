package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TracerInfo;

/** The JSON decoder of {@code /v0.3/traces} (and v0.4 sent as JSON). */
class JsonTraceDecoderTest {

  private final JsonTraceDecoder decoder = new JsonTraceDecoder(() -> V04DecoderTest.NOW);

  private DecodeResult decode(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return decoder.decode(b, b.length, TracerInfo.UNKNOWN);
  }

  @Test
  void decode_everyField_idsAbove2To63Exact() {
    DecodeResult r = decode("""
        [[{"service":"s","name":"n","resource":"r","type":"db","trace_id":11651590505119483672,
           "span_id":18446744073709551615,"parent_id":1,"start":1795928824354847825,"duration":12,"error":1,
           "meta":{"env":"e","_dd.p.tid":"6b0bb2f800000000"},"metrics":{"_sampling_priority_v1":2,"x":1.5},
           "meta_struct":{"ignored":"x"},"span_links":[{"trace_id":3,"span_id":4,"attributes":{"a":"b"},"flags":1}],
           "unknown":[1,{"a":2}]}]]
        """);

    assertThat(r.error).isEmpty();
    Span s = r.chunks.get(0).spans().get(0);
    assertThat(s.traceId()).isEqualTo(0xa1b2c3d4e5f60718L);
    assertThat(s.spanId()).isEqualTo(-1L);
    assertThat(s.parentId()).isEqualTo(1);
    assertThat(s.startNanos()).isEqualTo(1795928824354847825L);
    assertThat(s.durationNanos()).isEqualTo(12);
    assertThat(s.error()).isEqualTo(1);
    assertThat(s.type()).isEqualTo("db");
    assertThat(s.meta()).containsExactlyInAnyOrderEntriesOf(Map.of("env", "e", "_dd.p.tid", "6b0bb2f800000000"));
    assertThat(s.metrics()).containsExactlyInAnyOrderEntriesOf(Map.of("_sampling_priority_v1", 2.0, "x", 1.5));
    assertThat(s.spanLinks()).containsExactly(new SpanLink(3, 0, 4, Map.of("a", "b"), "", 1));
    assertThat(r.chunks.get(0).priority()).isEqualTo(2);
  }

  @Test
  void decode_wrongTypeInOneSpan_keepsTheOthers() {
    DecodeResult r = decode("""
        [[{"trace_id":7,"span_id":1,"name":"a","start":1795928824354847825},
          {"trace_id":7,"span_id":2,"name":{"no":1},"start":1795928824354847825}],
         [{"trace_id":8,"span_id":1,"start":1795928824354847825}]]
        """);

    assertThat(r.chunks).hasSize(2);
    assertThat(r.spansMalformed).isEqualTo(1);
    assertThat(r.error).isEqualTo("Malformed: trace 1, span 2: 'name' is START_OBJECT, expected a string");
  }

  @Test
  void decode_syntaxErrorInTheSecondTrace_keepsTheFirst() {
    DecodeResult r = decode("[[{\"trace_id\":7,\"span_id\":1,\"start\":1795928824354847825}],[{\"trace_id\":8,");

    assertThat(r.chunks).hasSize(1);
    assertThat(r.error).startsWith("Malformed: ").endsWith("in trace 2");
  }

  @Test
  void decode_notAnArray_isMalformed() {
    assertThat(decode("{\"a\":1}").error).isEqualTo("Malformed: the body is START_OBJECT, expected an array of traces");
    assertThat(decode("").error).isEqualTo("Truncated: empty body");
  }
}
