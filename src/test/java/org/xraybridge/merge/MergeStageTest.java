package org.xraybridge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.StitchResult;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.testing.Cases;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;

class MergeStageTest {

  final RecordingSink sink = new RecordingSink();
  final TestLedger ledger = new TestLedger();

  MergeStage stage(TraceIndex index) {
    Stitcher stitcher = new Stitcher(index, Clock.fixed(Instant.parse("2026-11-29T05:10:00Z"), ZoneOffset.UTC));
    return new MergeStage(index, stitcher, sink, ledger, StitchListener.NONE, Duration.ofSeconds(1), 10_000,
        Duration.ofMinutes(30), 100_000, new StitcherTest.FakeTicker(), Scheduler.disabledScheduler(), MergeJournal.NONE);
  }

  MergeStage stage() {
    return stage(new TraceIndex(10_000, Duration.ofMinutes(30), new StitcherTest.FakeTicker(), Scheduler.disabledScheduler()));
  }

  @Test
  void offer_forwardSaturated_takesNothing() {
    MergeStage stage = stage();
    sink.overloaded = true;
    assertThat(stage.offer(List.of(StitcherTest.nativeChunk(1, 1, "prod"))).toCompletableFuture().join()).isEqualTo(Admission.OVERLOADED);
    assertThat(stage.offer(StitcherTest.xrayHalf(1, "prod", DatadogContext.NONE))).isEqualTo(Admission.OVERLOADED);
    assertThat(stage.inFlightSpans()).isZero();
    assertThat(ledger.received()).isZero();
  }

  @Test
  void flush_bothHalvesInOneBatch_leaveAsOneChunkPerTrace() {
    MergeStage stage = stage();
    stage.offer(List.of(StitcherTest.nativeChunk(StitcherTest.NATIVE_TRACE, 1, "prod")));
    stage.offer(StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "prod", DatadogContext.NONE));
    stage.offer(List.of(StitcherTest.nativeChunk(99, 1, "prod")));
    assertThat(stage.inFlightSpans()).isEqualTo(6);
    stage.flush();
    assertThat(sink.batches).hasSize(1);
    ChunkBatch b = sink.batches.get(0);
    assertThat(b.chunks()).hasSize(2);
    TraceChunk joined = b.chunks().get(0);
    assertThat(joined.traceId()).isEqualTo(StitcherTest.NATIVE_TRACE);
    assertThat(joined.spans()).hasSize(4);
    assertThat(joined.half()).isEqualTo(Half.NATIVE);
    assertThat(b.spanCount()).isEqualTo(6);
    assertThat(stage.inFlightSpans()).isZero();
  }

  /**
   * An X-Ray half of another env (same 64-bit id: a padded X-Ray id) meets the tracer's chunk in one
   * batch: it was emitted with its own decision and env (stitching rule 3), so it leaves as its own
   * chunk — merged into the tracer's, it took the tracer's priority 0 and env and was dropped with it.
   */
  @Test
  void flush_halvesOfDifferentEnvsInOneBatch_leaveAsTwoChunksEachWithItsOwnDecision() {
    MergeStage stage = stage();
    stage.offer(List.of(StitcherTest.nativeChunk(StitcherTest.NATIVE_TRACE, Priority.AUTO_REJECT, "prod")));
    stage.offer(StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "staging", DatadogContext.NONE));

    stage.flush();

    List<TraceChunk> chunks = sink.batches.get(0).chunks();
    assertThat(chunks).hasSize(2);
    assertThat(chunks).extracting(TraceChunk::env, TraceChunk::priority)
        .containsExactly(tuple("prod", Priority.AUTO_REJECT), tuple("staging", Priority.USER_KEEP));
    assertThat(chunks.get(1).spans()).hasSize(2);
  }

  /** The X-Ray half came first and met the tracer's chunk in one batch: the merged chunk's first span carries the tid. */
  @Test
  void flush_xrayHalfFirstThenTracer_theMergedChunksFirstSpanCarriesTheTid() {
    MergeStage stage = stage();
    stage.offer(StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "prod", DatadogContext.NONE));
    stage.offer(List.of(StitcherTest.nativeChunk(StitcherTest.NATIVE_TRACE, Priority.AUTO_KEEP, "prod")));

    stage.flush();

    TraceChunk merged = sink.batches.get(0).chunks().get(0);
    assertThat(merged.spans()).hasSize(4);
    assertThat(merged.spans().get(0).meta()).containsEntry("_dd.p.tid", "6b0bb2f800000000");
  }

  /** A joined X-Ray half read again with one new span: the span that carried the tid was sent already; the new one carries it. */
  @Test
  void offer_joinedHalfAgainWithANewSpan_theFreshChunksFirstSpanCarriesTheTid() {
    MergeStage stage = stage();
    stage.offer(List.of(StitcherTest.nativeChunk(StitcherTest.NATIVE_TRACE, Priority.AUTO_KEEP, "prod")));
    stage.offer(StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "prod", DatadogContext.NONE));
    stage.flush();
    ConvertedTrace first = StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "prod", DatadogContext.NONE);
    List<Span> more = new ArrayList<>(first.spans());
    more.add(Span.builder().traceId(StitcherTest.NATIVE_TRACE).spanId(0x77L).parentId(0x6aa73e21f20049faL).name("late")
        .service("payments-service").resource("late").putMeta("env", "prod").build());
    stage.offer(new ConvertedTrace(first.xrayTraceId(), first.traceId(), first.half(), more, "prod", DatadogContext.NONE,
        first.emittedSegmentIds(), Set.of(), Set.of()));

    stage.flush();

    TraceChunk fresh = sink.batches.get(1).chunks().get(0);
    assertThat(fresh.spans()).extracting(Span::spanId).containsExactly(0x77L);
    assertThat(fresh.spans().get(0).meta()).containsEntry("_dd.p.tid", "6b0bb2f800000000");
  }

  @Test
  void offer_sameXRaySpansTwice_secondCopyDroppedAsDuplicate() {
    MergeStage stage = stage();
    stage.offer(StitcherTest.xrayHalf(7, "prod", DatadogContext.NONE));
    stage.flush();
    stage.offer(StitcherTest.xrayHalf(7, "prod", DatadogContext.NONE));
    stage.flush();
    assertThat(sink.batches).hasSize(1);
    assertThat(ledger.dropped(Ledger.Reason.DUPLICATE)).isEqualTo(2L);
    assertThat(ledger.received(Half.XRAY_POLL)).isEqualTo(4L);
  }

  @Test
  void offer_xrayHalfOfADroppedTrace_countedSampledOut() {
    MergeStage stage = stage();
    stage.offer(List.of(StitcherTest.nativeChunk(StitcherTest.NATIVE_TRACE, Priority.AUTO_REJECT, "prod")));
    stage.offer(StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "prod", DatadogContext.NONE));
    stage.flush();
    assertThat(ledger.dropped(Ledger.Reason.SAMPLED_OUT)).isEqualTo(2L);
    // the tracer's half still goes on: the Agent computes stats from priority-0 traces
    assertThat(sink.batches.get(0).spanCount()).isEqualTo(2);
  }

  @Test
  void lateXRaySegment_afterTheFirstChunkWasForwarded_followsTheSameDecision() {
    MergeStage stage = stage();
    stage.offer(StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "prod", DatadogContext.NONE));
    stage.flush();
    Span late = Span.builder().traceId(StitcherTest.NATIVE_TRACE).spanId(0xabcdefL).parentId(0x6aa73e21f20049faL)
        .name("late").service("payments-service").resource("late").putMeta("env", "prod").build();
    stage.offer(new ConvertedTrace(StitcherTest.XRAY_ID, StitcherTest.NATIVE_TRACE, Half.XRAY_POLL, List.of(late), "prod",
        DatadogContext.NONE, Set.of("00000000000abcdef"), Set.of(), Set.of()));
    stage.flush();
    assertThat(sink.batches).hasSize(2);
    TraceChunk second = sink.batches.get(1).chunks().get(0);
    assertThat(second.priority()).isEqualTo(Priority.USER_KEEP);
    assertThat(second.traceId()).isEqualTo(StitcherTest.NATIVE_TRACE);
  }

  @Test
  void indexEvictionUnderPressure_laterHalfIsAnIndexMissAndCounted() {
    TraceIndex tiny = new TraceIndex(2, Duration.ofMinutes(30), new StitcherTest.FakeTicker(), Scheduler.disabledScheduler());
    List<StitchResult> results = new ArrayList<>();
    Stitcher stitcher = new Stitcher(tiny, Clock.systemUTC());
    MergeStage stage = new MergeStage(tiny, stitcher, sink, ledger, new StitchListener() {
      @Override public void xray(ConvertedTrace trace, StitchResult result, int duplicates) { results.add(result); }
    }, Duration.ofSeconds(1), 10_000, Duration.ofMinutes(30), 1000, new StitcherTest.FakeTicker(), Scheduler.disabledScheduler(), MergeJournal.NONE);
    stage.offer(List.of(StitcherTest.nativeChunk(StitcherTest.NATIVE_TRACE, Priority.AUTO_REJECT, "prod")));
    for (long t = 1; t <= 50; t++) stage.offer(List.of(StitcherTest.nativeChunk(t, 1, "prod")));
    tiny.cleanUp();
    stage.offer(StitcherTest.xrayHalf(StitcherTest.NATIVE_TRACE, "prod", DatadogContext.NONE));
    assertThat(tiny.evictedEarly()).isGreaterThan(0);
    // the tracer's drop decision was forgotten: the X-Ray half now decides alone, and that is counted
    assertThat(results).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.INDEX_MISS));
  }

  /**
   * Same inputs in any order: the same spans leave (by trace id, span id and parent), none twice, and
   * received = handed on + dropped. Tracers keep every trace here, so order cannot change a decision.
   */
  @Test
  void stitching_isOrderIndependent_andLosesNoSpan() {
    Cases.forAll(3L, Cases.tries(300), MergeStageTest::inputs, inputs -> {
      Set<String> first = null;
      for (int round = 0; round < 3; round++) {
        List<Object> shuffled = new ArrayList<>(inputs);
        Collections.shuffle(shuffled, new java.util.Random(round));
        RecordingSink out = new RecordingSink();
        TestLedger count = new TestLedger();
        TraceIndex index = new TraceIndex(10_000, Duration.ofMinutes(30), new StitcherTest.FakeTicker(), Scheduler.disabledScheduler());
        MergeStage stage = new MergeStage(index, new Stitcher(index, Clock.systemUTC()), out, count, StitchListener.NONE,
            Duration.ofSeconds(1), 7, Duration.ofMinutes(30), 100_000, new StitcherTest.FakeTicker(), Scheduler.disabledScheduler(), MergeJournal.NONE);
        long nativeSpans = 0;
        for (Object o : shuffled) {
          if (o instanceof TraceChunk c) {
            stage.offer(List.of(c));
            nativeSpans += c.size();
          } else {
            stage.offer((ConvertedTrace) o);
          }
        }
        stage.flush();
        Set<String> seen = new HashSet<>();
        long handedOn = 0;
        for (ChunkBatch b : out.batches) {
          for (TraceChunk c : b.chunks()) {
            for (Span s : c.spans()) {
              String id = Long.toUnsignedString(s.traceId()) + "/" + Long.toHexString(s.spanId()) + "<" + Long.toHexString(s.parentId());
              assertThat(seen.add(id)).as("span forwarded twice: %s", id).isTrue();
              handedOn++;
            }
          }
        }
        long dropped = count.dropped();
        assertThat(nativeSpans + count.received()).isEqualTo(handedOn + dropped);
        if (first == null) first = seen;
        else assertThat(seen).isEqualTo(first);
      }
    });
  }

  static List<Object> inputs(SplittableRandom r) {
    List<Object> out = new ArrayList<>();
    int traces = 1 + r.nextInt(6);
    for (int t = 0; t < traces; t++) {
      long traceId = r.nextLong() & Long.MAX_VALUE | 1;
      String env = r.nextInt(5) == 0 ? "other" : "prod";
      if (r.nextBoolean()) out.add(StitcherTest.nativeChunk(traceId, 1 + r.nextInt(2), "prod"));
      int xrayChunks = r.nextInt(3);
      for (int c = 0; c < xrayChunks; c++) {
        List<Span> spans = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
          long spanId = (traceId * 31 + r.nextInt(6)) | 1; // repeats across chunks on purpose
          spans.add(Span.builder().traceId(traceId).spanId(spanId).parentId(StitcherTest.CLIENT_SPAN).name("x").service("s")
              .resource("r").putMeta("env", env).build());
        }
        Map<Long, Span> unique = new HashMap<>();
        for (Span s : spans) unique.put(s.spanId(), s);
        out.add(new ConvertedTrace("1-00000000-00000000" + Long.toHexString(traceId), traceId, Half.XRAY_POLL,
            new ArrayList<>(unique.values()), env, DatadogContext.NONE, Set.of(), Set.of(), Set.of()));
      }
    }
    return out;
  }

  static TracerInfo java() {
    return new TracerInfo("java", "", "", "");
  }
}
