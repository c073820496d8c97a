package org.xraybridge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.MapValue;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.merge.MergeStage;
import org.xraybridge.merge.Stitcher;
import org.xraybridge.merge.TraceIndex;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Secret;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.testing.BigTraces;
import org.xraybridge.testing.TestLedger;

/**
 * A trace of X-Ray's 10,000 spans, converted by the real converter and stitched by the real merge
 * stage into one chunk, leaves in payloads within the limits — cut into parts where one payload
 * cannot hold it — and nothing is dropped: every span arrives once, decoded by msgpack-core (Agent)
 * and by protobuf (intake).
 */
class BigTraceForwardTest {
  static final Instant NOW = Instant.parse("2026-11-29T06:00:00Z");

  @TempDir Path spoolDir;
  private final TestLedger ledger = new TestLedger();
  private FakeHop hop;
  private Forwarder forwarder;
  private MergeStage merge;

  @AfterEach
  void tearDown() {
    if (merge != null) merge.close();
    if (forwarder != null) forwarder.stop(Duration.ofSeconds(2));
    if (hop != null) hop.close();
  }

  /** The 10,000-span trace, converted, stitched and handed to the forwarder as one chunk. */
  private ConvertedTrace stitchTenThousandSpans() {
    ConvertedTrace converted = new SegmentConverter(ConvertOptions.DEFAULTS, ledger, Clock.fixed(NOW, ZoneOffset.UTC))
        .convert(BigTraces.trace(10_000, 10_000, 500, NOW.getEpochSecond() - 60).documents(false));
    assertThat(converted.spans()).hasSize(10_000);
    TraceIndex index = new TraceIndex(10_000, Duration.ofMinutes(30), Ticker.systemTicker(), Scheduler.disabledScheduler());
    merge = new MergeStage(index, new Stitcher(index, Clock.fixed(NOW, ZoneOffset.UTC)), forwarder, ledger, StitchListener.NONE,
        Duration.ofMinutes(1), 50_000, Duration.ofMinutes(30), 100_000, Ticker.systemTicker(), Scheduler.disabledScheduler(), MergeJournal.NONE);
    assertThat(merge.offer(converted)).isEqualTo(Admission.ACCEPTED);
    merge.flush();
    forwarder.flush();
    return converted;
  }

  @Test
  void agent_tenThousandSpanChunkPastMaxPayloadBytes_leavesInPartsUnderTheLimit_everySpanOnce() throws IOException {
    int max = 1 << 20;
    hop = FakeHop.start();
    forwarder = new Forwarder(TestSettings.agent(hop.url(), spoolDir).maxPayloadBytes(max).build(), ledger, ForwardMetrics.NOOP,
        Clock.systemUTC());
    forwarder.start();

    ConvertedTrace trace = stitchTenThousandSpans();
    await().atMost(Duration.ofSeconds(20)).until(() -> ledger.forwarded() == 10_000);

    List<Long> delivered = new ArrayList<>();
    List<FakeHop.Request> puts = hop.accepted("/v0.4/traces");
    assertThat(puts.size()).as("a 10,000-span chunk of ≈ 5 MB cannot go in one 1 MiB payload").isGreaterThan(4);
    for (FakeHop.Request put : puts) {
      assertThat(put.body().length).isLessThanOrEqualTo(max);
      for (List<MapValue> part : V04Wire.decode(put.body())) {
        // every part is the same trace, and says the trace's decision itself (an X-Ray half alone: user keep)
        assertThat(V04Wire.metric(part.get(0), Priority.METRIC)).isEqualTo((double) Priority.USER_KEEP);
        for (MapValue s : part) {
          assertThat(V04Wire.uint64(V04Wire.fields(s).get("trace_id"))).isEqualTo(trace.traceId());
          delivered.add(V04Wire.uint64(V04Wire.fields(s).get("span_id")));
        }
      }
    }
    assertThat(delivered).hasSize(10_000).doesNotHaveDuplicates();
    assertThat(new HashSet<>(delivered)).isEqualTo(ids(trace));
    assertThat(ledger.dropped()).isZero();
    assertThat(forwarder.inFlightSpans()).isZero();
    System.out.printf("agent: a 10,000-span X-Ray chunk left in %d payloads of at most %d bytes, %d bytes in all%n", puts.size(), max,
        puts.stream().mapToLong(p -> p.body().length).sum());
  }

  @Test
  void intake_tenThousandSpanChunkPastOnePayload_leavesInPartsUnderTheFlushSize_topLevelFromTheWholeTrace() throws IOException {
    hop = FakeHop.start();
    hop.answer(r -> new FakeHop.Answer(202, "{}"));
    forwarder = new Forwarder(TestSettings.intake(hop.url(), Secret.of("0123456789abcdef0123456789abcdef"), spoolDir).build(), ledger,
        ForwardMetrics.NOOP, Clock.systemUTC());
    forwarder.start();

    ConvertedTrace trace = stitchTenThousandSpans();
    await().atMost(Duration.ofSeconds(20)).until(() -> ledger.forwarded() == 10_000);

    List<Long> delivered = new ArrayList<>();
    int topLevel = 0;
    List<FakeHop.Request> posts = hop.accepted("/api/v0.2/traces");
    assertThat(posts.size()).as("a 10,000-span chunk is more than one 3.2 MB payload").isGreaterThan(1);
    for (FakeHop.Request post : posts) {
      byte[] raw = IntakeWire.gunzip(post.body());
      assertThat(raw.length).isLessThanOrEqualTo(IntakeAssembler.FLUSH_BYTES);
      for (IntakeWire.Tracer t : IntakeWire.dynamic(raw).tracers()) {
        for (IntakeWire.Chunk c : t.chunks()) {
          assertThat(c.priority()).isEqualTo(Priority.USER_KEEP);
          for (IntakeWire.DecodedSpan s : c.spans()) {
            assertThat(s.traceId()).isEqualTo(trace.traceId());
            delivered.add(s.spanId());
            if (Double.valueOf(1.0).equals(s.metrics().get("_top_level"))) topLevel++;
          }
        }
      }
    }
    assertThat(delivered).hasSize(10_000).doesNotHaveDuplicates();
    assertThat(new HashSet<>(delivered)).isEqualTo(ids(trace));
    // one service throughout: only the root is top-level, wherever the parts were cut
    assertThat(topLevel).isEqualTo(1);
    System.out.printf("intake: a 10,000-span X-Ray chunk left in %d payloads, %d bytes uncompressed in all%n", posts.size(),
        posts.stream().mapToLong(p -> IntakeWire.gunzip(p.body()).length).sum());
    assertThat(ledger.dropped()).isZero();
    assertThat(ledger.dropped(Ledger.Reason.OVERSIZED)).isZero();
  }

  @Test
  void agent_tracerChunkWithoutChunkPriorityCutInParts_everyPartCarriesTheRootsPriority_aLoneHugeSpanIsStillCounted()
      throws IOException {
    int max = 64 * 1024;
    hop = FakeHop.start();
    forwarder = new Forwarder(TestSettings.agent(hop.url(), spoolDir).maxPayloadBytes(max).build(), ledger, ForwardMetrics.NOOP,
        Clock.systemUTC());
    forwarder.start();
    // a tracer's 2,000-span chunk with its decision only on the root (no chunk priority), then one span past a payload
    TraceChunk tracer = TestTraces.simple(77, 1_000, 2_000, TestTraces.JAVA, Priority.NONE);
    List<Span> spans = new ArrayList<>(tracer.spans());
    spans.set(0, spans.get(0).toBuilder().putMetric(Priority.METRIC, Priority.USER_KEEP).build());
    Span huge = spans.get(1).toBuilder().spanId(99_999).putMeta("payload", "x".repeat(70_000)).build();
    forwarder.submit(TestTraces.batch(tracer.withSpans(spans), new TraceChunk(78, List.of(huge), Priority.NONE, "", "", Half.NATIVE,
        TestTraces.JAVA)));
    forwarder.flush();
    await().atMost(Duration.ofSeconds(20)).until(() -> ledger.forwarded() == 2_000);

    List<Long> delivered = new ArrayList<>();
    int parts = 0;
    for (FakeHop.Request put : hop.accepted("/v0.4/traces")) {
      assertThat(put.body().length).isLessThanOrEqualTo(max);
      for (List<MapValue> part : V04Wire.decode(put.body())) {
        parts++;
        assertThat(V04Wire.metric(part.get(0), Priority.METRIC)).as("the Agent reads a part's decision on it").isEqualTo(2.0);
        for (MapValue s : part) delivered.add(V04Wire.uint64(V04Wire.fields(s).get("span_id")));
      }
    }
    assertThat(parts).isGreaterThan(1);
    assertThat(delivered).hasSize(2_000).doesNotHaveDuplicates();
    assertThat(ledger.dropped(Ledger.Reason.OVERSIZED)).as("one span alone past a payload cannot be cut").isEqualTo(1);
  }

  private static Set<Long> ids(ConvertedTrace t) {
    Set<Long> ids = new HashSet<>();
    t.spans().forEach(s -> ids.add(s.spanId()));
    return ids;
  }
}
