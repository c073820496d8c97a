package org.xraybridge.forward.intake;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.xraybridge.forward.TestTraces;
import org.xraybridge.forward.V04Wire;
import org.xraybridge.model.Half;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.testing.MutableClock;

class StatsConcentratorTest {
  private static final long T0 = TestTraces.T0; // aligned to 10 s
  private static final long S = 1_000_000_000L;

  private static Clock at(long nanos) {
    return Clock.fixed(Instant.ofEpochSecond(0, nanos), ZoneOffset.UTC);
  }

  private static TraceChunk chunk(long start, long duration, String kind, double sampleRate, String origin) {
    Span.Builder b = Span.builder().traceId(1).spanId(2).service("svc").name("op").resource("res").type("web")
        .startNanos(start).durationNanos(duration);
    if (!kind.isEmpty()) b.putMeta("span.kind", kind);
    if (sampleRate > 0) b.putMetric("_sample_rate", sampleRate);
    Span child = Span.builder().traceId(1).spanId(3).parentId(2).service("svc").name("child").resource("c")
        .startNanos(start).durationNanos(duration).build(); // not eligible
    return new TraceChunk(1, List.of(b.build(), child), 1, origin, "", Half.NATIVE, TestTraces.JAVA);
  }

  private static int add(StatsConcentrator c, TraceChunk chunk) {
    return c.add(chunk, new TopLevel().compute(chunk.spans()));
  }

  @Test
  void flush_bucketsByAlignedEndTime_onlyThoseClosedForABucketWidth() throws IOException {
    MutableClock clock = new MutableClock(Instant.ofEpochSecond(0, T0 + 15 * S));
    StatsConcentrator c = new StatsConcentrator("h", "none", "v", clock, 1000);
    add(c, chunk(T0 + 9 * S, 2 * S, "", 0, ""));  // ends at T0+11 s → bucket T0+10 s
    add(c, chunk(T0 + 21 * S, S, "", 0, ""));     // ends at T0+22 s → bucket T0+20 s
    assertThat(c.flush(false)).as("at T0+15 s both are open").isEmpty();
    clock.set(Instant.ofEpochSecond(0, T0 + 31 * S));
    List<byte[]> out = c.flush(false);
    assertThat(out).hasSize(1);
    assertThat(bucketStarts(out.get(0))).containsExactly(T0 + 10 * S);
    assertThat(bucketStarts(c.flush(true).get(0))).containsExactly(T0 + 20 * S);
    assertThat(c.flush(true)).isEmpty();
  }

  @Test
  void add_spanOlderThanTheOldestOpenBucket_isFoldedIntoIt() throws IOException {
    StatsConcentrator c = new StatsConcentrator("h", "none", "v", at(T0 + 25 * S), 1000);
    add(c, chunk(T0 - 3600 * S, S, "", 0, "")); // an hour late, as X-Ray halves can be
    assertThat(bucketStarts(c.flush(true).get(0))).containsExactly(T0 + 10 * S);
  }

  @Test
  void add_sampleRateOnTheRoot_weightsTheCounts() throws IOException {
    StatsConcentrator c = new StatsConcentrator("h", "none", "v", at(T0 + 5 * S), 1000);
    add(c, chunk(T0, S, "", 0.25, "synthetics-browser"));
    Map<String, Value> g = groups(c.flush(true).get(0)).get(0);
    assertThat(g.get("Hits").asIntegerValue().toLong()).isEqualTo(4);
    assertThat(g.get("TopLevelHits").asIntegerValue().toLong()).isEqualTo(4);
    assertThat(g.get("Synthetics").asBooleanValue().getBoolean()).isTrue();
  }

  @Test
  void flush_moreGroupsThanAPayloadTakes_splitsAndMarksSplitPayload() throws IOException {
    StatsConcentrator c = new StatsConcentrator("h", "none", "v", at(T0 + 5 * S), 1000, 3);
    for (int i = 0; i < 7; i++) {
      Span s = Span.builder().traceId(i + 1).spanId(i + 1).service("svc").name("op").resource("r" + i)
          .startNanos(T0).durationNanos(S).build();
      add(c, new TraceChunk(i + 1, List.of(s), 1, "", "", Half.NATIVE, TestTraces.JAVA));
    }
    List<byte[]> out = c.flush(true);
    assertThat(out).hasSize(3);
    int total = 0;
    for (byte[] p : out) {
      assertThat(V04Wire.fields(unpack(p).asMapValue()).get("SplitPayload").asBooleanValue().getBoolean()).isTrue();
      total += groups(p).size();
    }
    assertThat(total).isEqualTo(7);
  }

  @Test
  void add_beyondMaxGroups_leavesNewGroupsOutAndCountsThem() {
    StatsConcentrator c = new StatsConcentrator("h", "none", "v", at(T0 + 5 * S), 2);
    int leftOut = 0;
    for (int i = 0; i < 5; i++) {
      Span s = Span.builder().traceId(1).spanId(i + 1).service("svc").name("op").resource("r" + i)
          .startNanos(T0).durationNanos(S).build();
      leftOut += add(c, new TraceChunk(1, List.of(s), 1, "", "", Half.NATIVE, TestTraces.JAVA));
    }
    assertThat(leftOut).isEqualTo(3);
  }

  @Test
  void httpStatus_fromMetaOrMetric_elseZero() {
    Span.Builder b = Span.builder().service("s").name("n");
    assertThat(StatsConcentrator.httpStatus(b.build())).isZero();
    assertThat(StatsConcentrator.httpStatus(b.putMeta("http.status_code", "404").build())).isEqualTo(404);
    assertThat(StatsConcentrator.httpStatus(b.putMeta("http.status_code", "4x4").build())).isZero();
    assertThat(StatsConcentrator.httpStatus(b.putMetric("http.status_code", 502).build())).isEqualTo(502);
  }

  private static Value unpack(byte[] b) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b)) {
      return u.unpackValue();
    }
  }

  private static List<Long> bucketStarts(byte[] payload) throws IOException {
    List<Long> out = new ArrayList<>();
    for (Value cp : V04Wire.fields(unpack(payload).asMapValue()).get("Stats").asArrayValue()) {
      for (Value b : V04Wire.fields(cp.asMapValue()).get("Stats").asArrayValue()) {
        out.add(V04Wire.fields(b.asMapValue()).get("Start").asIntegerValue().toLong());
      }
    }
    return out;
  }

  private static List<Map<String, Value>> groups(byte[] payload) throws IOException {
    List<Map<String, Value>> out = new ArrayList<>();
    for (Value cp : V04Wire.fields(unpack(payload).asMapValue()).get("Stats").asArrayValue()) {
      for (Value b : V04Wire.fields(cp.asMapValue()).get("Stats").asArrayValue()) {
        for (Value g : V04Wire.fields(b.asMapValue()).get("Stats").asArrayValue()) out.add(V04Wire.fields(g.asMapValue()));
      }
    }
    return out;
  }
}
