package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.explain.ExplainFixtures.nativeHalf;
import static org.xraybridge.explain.ExplainFixtures.xrayHalf;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Priority;

/**
 * {@code bridge.explain.max-traces-per-second}: under a burst the recorder keeps at most the rate of
 * traces that are only a tracer's half, and every trace with an X-Ray half or a stitched decision,
 * driven through the real merge stage with a stepped clock.
 */
class ExplainSamplingTest {

  static final int RATE = 10;
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final ExplainRecorder recorder = new ExplainRecorder(1_000, 16 << 20, RATE, Clock.systemUTC(), "", nanos::get);
  final ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);

  @Test
  void burst_recordsAtMostTheRateOfTracerOnlyTracesAndEveryXRayOne() {
    // 300 tracer-only traces, 40 traces whose X-Ray half follows the tracer's, 20 whose X-Ray half came first
    for (long t = 1; t <= 300; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    for (long t = 1_001; t <= 1_040; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    for (long t = 2_001; t <= 2_020; t++) p.offer(xrayHalf(t, "prod")).offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    p.flush();
    for (long t = 1_001; t <= 1_040; t++) p.offer(xrayHalf(t, "prod"));
    p.flush();

    long tracerOnly = recorder.list(ExplainRecorderTest.ALL).traces().stream().filter(s -> Long.parseLong(s.traceKey()) <= 1_000).count();
    assertThat(tracerOnly).isEqualTo(RATE);
    for (long t = 1_001; t <= 1_040; t++) assertThat(recorder.find(t)).as("X-Ray half of trace %d", t).isNotNull();
    for (long t = 2_001; t <= 2_020; t++) {
      ExplainView.Detail d = recorder.find(t);
      assertThat(d.summary().halves()).containsExactly("native", "xray_poll");
      assertThat(d.summary().status()).isEqualTo("joined");
    }
    assertThat(recorder.size()).isEqualTo(RATE + 40 + 20);
    assertThat(recorder.skipped()).isEqualTo(300 + 40 - RATE);
    ExplainView.TraceList list = recorder.list(ExplainRecorderTest.ALL);
    assertThat(list.maxTracesPerSecond()).isEqualTo(RATE);
    assertThat(list.skipped()).isEqualTo(300 + 40 - RATE);
    assertThat(recorder.bytes()).isEqualTo(recorder.recount());
  }

  @Test
  void xrayHalfOfASkippedTrace_foundByIdWithItsSpansAndJoined() {
    for (long t = 1; t <= RATE; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    long skippedTrace = 77;
    p.offer(nativeHalf(skippedTrace, Priority.AUTO_KEEP, "prod")).flush();
    assertThat(recorder.find(skippedTrace)).isNull();

    p.offer(xrayHalf(skippedTrace, "prod")).flush();
    ExplainView.Detail d = recorder.find(skippedTrace);
    assertThat(d.summary().status()).isEqualTo("joined");
    assertThat(d.spans()).hasSize(3).allSatisfy(s -> assertThat(s.half()).isEqualTo("xray_poll"));
  }

  @Test
  void tracerChunkTakingTheXRayHalfsDecision_recordedWithTheRateSpent() {
    ExplainRecorder none = new ExplainRecorder(1_000, 16 << 20, 0, Clock.systemUTC(), "", nanos::get);
    ExplainFixtures.Pipeline q = new ExplainFixtures.Pipeline(none);
    q.offer(nativeHalf(5, Priority.AUTO_KEEP, "prod")).flush();
    assertThat(none.find(5)).isNull();
    // the X-Ray half decided first (user keep); the tracer's chunk follows it: a stitch, always shown
    q.offer(xrayHalf(6, "prod")).flush().offer(nativeHalf(6, Priority.AUTO_KEEP, "prod")).flush();
    ExplainView.Detail d = none.find(6);
    assertThat(d.summary().halves()).containsExactly("native", "xray_poll");
    assertThat(d.decisions()).hasSize(2);
    assertThat(none.skipped()).isEqualTo(1);
  }

  @Test
  void laterChunkOfARecordedTrace_recordedWithTheRateSpent() {
    p.offer(nativeHalf(1, Priority.AUTO_KEEP, "prod"));
    for (long t = 2; t <= RATE + 5; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    p.offer(nativeHalf(1, Priority.AUTO_KEEP, "prod")).flush();
    ExplainView.Detail d = recorder.find(1);
    assertThat(d.decisions()).singleElement().isInstanceOfSatisfying(ExplainView.NativeDecision.class, n -> assertThat(n.chunks()).isEqualTo(2));
  }

  @Test
  void nextSecond_recordsTheRateAgain() {
    for (long t = 1; t <= 3 * RATE; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    nanos.addAndGet(999_000_000L);
    for (long t = 101; t <= 100 + RATE; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    assertThat(recorder.size()).isEqualTo(RATE);
    nanos.addAndGet(1_000_000L);
    for (long t = 201; t <= 200 + 3 * RATE; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod"));
    p.flush();
    assertThat(recorder.size()).isEqualTo(2 * RATE);
    assertThat(recorder.find(201)).isNotNull();
    assertThat(recorder.find(200 + RATE + 1)).isNull();
    assertThat(recorder.skipped()).isEqualTo(2 * RATE + RATE + 2 * RATE);
  }
}
