package org.xraybridge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchResult;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

class StitcherTest {

  static final long NATIVE_TRACE = 0x780c0c87013a95e4L; // the captured stitching pair
  static final long CLIENT_SPAN = 0x2d5a03ff0ff00ee8L;
  static final String XRAY_ID = "1-6b0bb2f8-00000000780c0c87013a95e4";

  final FakeTicker ticker = new FakeTicker();
  final TraceIndex index = new TraceIndex(1_000, Duration.ofMinutes(30), ticker, Scheduler.disabledScheduler());
  final Stitcher stitcher = new Stitcher(index, Clock.fixed(Instant.parse("2026-11-29T05:10:00Z"), ZoneOffset.UTC));

  static TraceChunk nativeChunk(long traceId, int priority, String env) {
    Span.Builder rootBuilder = Span.builder().traceId(traceId).spanId(0x1111).name("checkout.request").service("checkout-service")
        .resource("POST /checkout").putMeta("env", env).putMeta("_dd.p.tid", "6b0bb2f800000000");
    if (priority != Priority.NONE) rootBuilder.putMetric(Priority.METRIC, priority); // none: the chunk carries no decision
    Span root = rootBuilder.build();
    Span client = Span.builder().traceId(traceId).spanId(CLIENT_SPAN).parentId(0x1111).name("http.request")
        .service("checkout-service").resource("POST /downstream/payments").putMeta("env", env).build();
    return new TraceChunk(traceId, List.of(root, client), priority, "", env, Half.NATIVE, new TracerInfo("java", "17", "1.68.1", ""));
  }

  static ConvertedTrace xrayHalf(long traceId, String env, DatadogContext dd) {
    Span segment = Span.builder().traceId(traceId).spanId(0x6aa73e21f20049faL).parentId(dd.present() ? 0 : CLIENT_SPAN)
        .name("http.server.request").service("payments-service").resource("POST /downstream/payments").putMeta("env", env).build();
    Span sub = Span.builder().traceId(traceId).spanId(0x1c399aa50c9d41ebL).parentId(0x6aa73e21f20049faL).name("authorize_card")
        .service("payments-service").resource("authorize-card").putMeta("env", env).build();
    return new ConvertedTrace(XRAY_ID, traceId, Half.XRAY_POLL, List.of(segment, sub), env, dd,
        Set.of("6aa73e21f20049fa"), Set.of(), Set.of());
  }

  @Test
  void stitchXRay_nativeHalfKnownSameEnv_joinsWithItsIdTidAndDecision() {
    stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.AUTO_KEEP, "prod"));
    StitchResult r = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));
    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.JOINED);
    assertThat(r.priority()).isEqualTo(Priority.AUTO_KEEP);
    assertThat(r.decidedBy()).isEqualTo(Half.NATIVE);
    TraceChunk c = r.chunk();
    assertThat(c.traceId()).isEqualTo(NATIVE_TRACE);
    assertThat(c.priority()).isEqualTo(Priority.AUTO_KEEP);
    Span root = c.spans().get(0);
    assertThat(root.parentId()).isEqualTo(CLIENT_SPAN);
    assertThat(root.meta()).containsEntry("_dd.p.tid", "6b0bb2f800000000");
    assertThat(root.metrics()).containsEntry(Priority.METRIC, 1.0);
    assertThat(c.spans().get(1).meta()).doesNotContainKey("_dd.p.tid");
    assertThat(c.spans().get(1).metrics()).doesNotContainKey(Priority.METRIC);
  }

  /**
   * A tracer that sets no env: Datadog shows its spans under the default env, and so does the X-Ray
   * half that found no env of its own (bridge.xray.env, default none); the halves join.
   */
  @Test
  void stitchXRay_tracerWithoutEnv_joinsTheXRayHalfOfTheDefaultEnv() {
    stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.AUTO_KEEP, ""));

    StitchResult r = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "none", DatadogContext.NONE));

    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.JOINED);
    assertThat(r.chunk().traceId()).isEqualTo(NATIVE_TRACE);
  }

  @Test
  void stitchXRay_differentEnv_emittedUnchangedAndCountedMismatch() {
    stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.AUTO_KEEP, "prod"));
    StitchResult r = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "none", DatadogContext.NONE));
    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.ENV_MISMATCH);
    assertThat(r.indexEnv()).isEqualTo("prod");
    assertThat(r.chunk().spans().get(0).meta()).doesNotContainKey("_dd.p.tid");
    assertThat(r.priority()).isEqualTo(Priority.USER_KEEP);
  }

  @Test
  void stitchXRay_tracerDroppedTheTrace_xrayHalfIsSampledOut() {
    stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.AUTO_REJECT, "prod"));
    StitchResult r = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));
    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.SAMPLED_OUT);
    assertThat(r.chunk()).isNull();
    assertThat(r.spans()).isEqualTo(2);
  }

  /** A tracer chunk without a decision (v0.3, some tracers' first partial flush), then one with it: that one stands. */
  @Test
  void stitchXRay_tracersFirstChunkUndecided_thenDropped_xrayHalfIsSampledOut() {
    stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.NONE, "prod"));
    stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.AUTO_REJECT, "prod"));

    StitchResult r = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));

    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.SAMPLED_OUT);
    assertThat(r.priority()).isEqualTo(Priority.AUTO_REJECT);
  }

  /**
   * A tracer that never decided leaves the decision to the Agent, for the whole trace: the joined
   * X-Ray half carries no priority either — never the "none" marker -128 as a sampling priority.
   */
  @Test
  void stitchXRay_tracerNeverDecided_joinsWithoutAPriority() {
    stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.NONE, "prod"));

    StitchResult r = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));

    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.JOINED);
    assertThat(r.chunk().priority()).isEqualTo(Priority.NONE);
    assertThat(r.chunk().spans()).allSatisfy(s -> assertThat(s.metrics()).doesNotContainKey(Priority.METRIC));
  }

  @Test
  void xrayFirst_thenNative_nativeFollowsTheXRayDecision() {
    StitchResult r = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));
    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.INDEX_MISS);
    assertThat(r.priority()).isEqualTo(Priority.USER_KEEP);
    TraceChunk later = stitcher.stitchNative(nativeChunk(NATIVE_TRACE, Priority.AUTO_REJECT, "prod"));
    assertThat(later.priority()).isEqualTo(Priority.USER_KEEP);
    assertThat(later.spans().get(0).metrics()).containsEntry(Priority.METRIC, 2.0);
    // a late X-Ray chunk now joins the native ids
    StitchResult late = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));
    assertThat(late.outcome()).isEqualTo(StitchResult.Outcome.JOINED);
    assertThat(late.chunk().spans().get(0).meta()).containsEntry("_dd.p.tid", "6b0bb2f800000000");
  }

  @Test
  void stitchXRay_secondXRayChunkBeforeAnyNative_followsTheFirst() {
    stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));
    StitchResult again = stitcher.stitchXRay(xrayHalf(NATIVE_TRACE, "prod", DatadogContext.NONE));
    assertThat(again.outcome()).isEqualTo(StitchResult.Outcome.JOINED_XRAY);
    assertThat(again.priority()).isEqualTo(Priority.USER_KEEP);
  }

  @Test
  void stitchXRay_datadogMetadata_rekeysReparentsAndTakesThePriority() {
    long xrayDerived = 0x61be46a994272793L;
    DatadogContext dd = new DatadogContext(NATIVE_TRACE, CLIENT_SPAN, Priority.AUTO_KEEP,
        Map.of("function_trigger.event_source", "api-gateway"), 0x6aa73e21f20049faL);
    StitchResult r = stitcher.stitchXRay(xrayHalf(xrayDerived, "prod", dd));
    assertThat(r.rekeyed()).isTrue();
    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.INDEX_MISS);
    assertThat(r.priority()).isEqualTo(Priority.AUTO_KEEP);
    assertThat(r.chunk().traceId()).isEqualTo(NATIVE_TRACE);
    assertThat(r.chunk().spans()).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(NATIVE_TRACE));
    Span root = r.chunk().spans().get(0);
    assertThat(root.parentId()).isEqualTo(CLIENT_SPAN);
    assertThat(root.meta()).containsEntry("function_trigger.event_source", "api-gateway");
    assertThat(r.chunk().spans().get(1).meta()).doesNotContainKey("function_trigger.event_source");
  }

  @Test
  void stitchNative_unchangedDecision_returnsTheSameChunk() {
    TraceChunk c = nativeChunk(NATIVE_TRACE, Priority.AUTO_KEEP, "prod");
    assertThat(stitcher.stitchNative(c)).isSameAs(c);
  }

  @Test
  void index_fullIndex_evictsAndCountsEarlyEvictions() {
    TraceIndex small = new TraceIndex(10, Duration.ofMinutes(30), ticker, Scheduler.disabledScheduler());
    for (long i = 1; i <= 1_000; i++) small.recordNative(org.xraybridge.model.TraceKey.of(i), i, 0, "prod", 1, 0);
    small.cleanUp();
    assertThat(small.size()).isLessThanOrEqualTo(10);
    assertThat(small.evictedEarly()).isGreaterThanOrEqualTo(990);
  }

  @Test
  void index_afterTtl_entriesExpire() {
    index.recordNative(org.xraybridge.model.TraceKey.of(42), 42, 0, "prod", 1, 0);
    ticker.advance(Duration.ofMinutes(31));
    index.cleanUp();
    assertThat(index.get(org.xraybridge.model.TraceKey.of(42))).isNull();
    assertThat(index.expired()).isEqualTo(1);
    assertThat(index.evictedEarly()).isZero();
  }

  /** A Caffeine ticker the test moves by hand. */
  static final class FakeTicker implements com.github.benmanes.caffeine.cache.Ticker {
    private final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public long read() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }
}
