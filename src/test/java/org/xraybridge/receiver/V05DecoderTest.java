package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.receiver.Msgpack.list;
import static org.xraybridge.receiver.Msgpack.pack;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.Msgpack.U64;

/** The v0.5 decoder: the string table, the 12-element spans and their errors. */
class V05DecoderTest {

  private static final List<Object> STRINGS = list("", "svc", "op", "res", "env", "prod", Priority.METRIC, "web");

  private final V05Decoder decoder = new V05Decoder(() -> V04DecoderTest.NOW);

  private DecodeResult decode(Object payload) {
    byte[] bytes = pack(payload);
    return decoder.decode(bytes, bytes.length, TracerInfo.UNKNOWN);
  }

  /** [service, name, resource, trace_id, span_id, parent_id, start, duration, error, meta, metrics, type]. */
  private static List<Object> span(long traceId, long spanId, long parentId, int resourceIndex) {
    return list(1, 2, resourceIndex, new U64(traceId), new U64(spanId), new U64(parentId), 1_795_928_850_882_150_365L,
        999_000_197L, 0, Map.of(4, 5), Map.of(6, 1.0), 7);
  }

  @Test
  void decode_resolvesEveryIndex() {
    DecodeResult r = decode(list(STRINGS, list(list(span(0xa1b2c3d4e5f60718L, 2, 0, 3)))));

    assertThat(r.error).isEmpty();
    TraceChunk c = r.chunks.get(0);
    Span s = c.spans().get(0);
    assertThat(s.service()).isEqualTo("svc");
    assertThat(s.name()).isEqualTo("op");
    assertThat(s.resource()).isEqualTo("res");
    assertThat(s.type()).isEqualTo("web");
    assertThat(s.traceId()).isEqualTo(0xa1b2c3d4e5f60718L);
    assertThat(s.meta()).containsExactly(Map.entry("env", "prod"));
    assertThat(s.metrics()).containsExactly(Map.entry(Priority.METRIC, 1.0));
    assertThat(c.priority()).isEqualTo(1);
    assertThat(c.env()).isEqualTo("prod");
  }

  @Test
  void decode_indexOutOfRange_dropsThatSpanMalformed_withTheReason() {
    DecodeResult r = decode(list(STRINGS, list(list(span(7, 1, 0, 3), span(7, 2, 1, 57)))));

    assertThat(r.chunks.get(0).spans()).hasSize(1);
    assertThat(r.spansMalformed).isEqualTo(1);
    assertThat(r.error).isEqualTo(
        "Malformed: trace 1 of 1, span 2: 'resource' string index 57 is out of range (the table has 8 strings)");
  }

  @Test
  void decode_spanOfElevenElements_isMalformed_theNextSpanIsKept() {
    List<Object> short11 = span(7, 2, 1, 3);
    short11.remove(11);
    DecodeResult r = decode(list(STRINGS, list(list(span(7, 1, 0, 3), short11, span(7, 3, 1, 3)))));

    assertThat(r.chunks.get(0).spans()).extracting(Span::spanId).containsExactly(1L, 3L);
    assertThat(r.error).endsWith("the span is an array of 11, expected exactly 12 elements");
  }

  @Test
  void decode_stringTableNotStrings_countsEverySpanMalformed() {
    DecodeResult r = decode(list(list("a", 5), list(list(span(7, 1, 0, 0), span(7, 2, 1, 0)), list(span(8, 1, 0, 0)))));

    assertThat(r.chunks).isEmpty();
    assertThat(r.spansReceived).isEqualTo(3);
    assertThat(r.spansMalformed).isEqualTo(3);
    assertThat(r.error).contains("string 1 of the string table is an integer");
  }

  @Test
  void decode_notAPair_isMalformed() {
    assertThat(decode(list(STRINGS)).error).isEqualTo(
        "Malformed: the body is an array of 1, expected the v0.5 array [strings, traces]");
    assertThat(decode(Map.of()).error).startsWith("Malformed: the body is a map");
  }
}
