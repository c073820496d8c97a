package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.StubConverter;
import org.xraybridge.testing.XRayHarness;
import org.xraybridge.testing.XRaySegments;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

/** The poller against the emulator through the real AWS SDK client: what it asks, what it hands on. */
class XRayPollerTest {

  @TempDir Path dir;
  XRayHarness h;
  XRaySegments traces = new XRaySegments(42);
  RecordingSink sink = new RecordingSink();
  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  StubConverter converter;

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
    converter = h.converter();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void poll_manyTraces_followsEveryPageAndAsksAtMostFiveIdsACall() {
    h.faults.pageSize(7);
    List<String> ids = putTraces(53, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    Instant now = h.clock.instant();

    PollOutcome outcome = h.poll(poller);

    assertThat(outcome).isEqualTo(PollOutcome.COMPLETED);
    List<RecordedRequest> pages = h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES);
    assertThat(pages).hasSize(8); // ceil(53 / 7): every page followed
    assertThat(pages.get(0).nextToken()).isEmpty();
    for (int i = 1; i < pages.size(); i++) assertThat(pages.get(i).nextToken()).isEqualTo(pages.get(i - 1).responseNextToken());
    assertThat(pages.get(pages.size() - 1).responseNextToken()).isEmpty();
    // window: [cursor − overlap, now − lag) with the first cursor at now − lag − pollInterval, on the Event axis
    Instant end = now.minus(h.lag);
    Instant start = end.minus(h.pollInterval).minus(h.overlap);
    assertThat(pages).allSatisfy(r -> {
      assertThat(r.startTime()).isEqualByComparingTo(seconds(start));
      assertThat(r.endTime()).isEqualByComparingTo(seconds(end));
      assertThat(r.timeRangeType()).isEqualTo("Event");
    });
    List<RecordedRequest> batches = h.emulator.requests(RecordedRequest.BATCH_GET_TRACES);
    assertThat(batches).allSatisfy(r -> assertThat(r.traceIds()).hasSizeBetween(1, 5));
    assertThat(batches.stream().flatMap(r -> r.traceIds().stream())).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(batches).hasSize(11);
    assertThat(sink.spanIds()).hasSize(106).doesNotHaveDuplicates();
    assertThat(sink.spanCount()).isEqualTo(106);
    XRaySourceStatus status = poller.status();
    assertThat(status.cursor()).isEqualTo(end);
    assertThat(status.lastSuccessfulPoll()).isEqualTo(now);
    assertThat(status.lastOutcome()).isEqualTo(PollOutcome.COMPLETED);
    assertThat(status.cursorLag()).isEqualTo(h.lag);
  }

  /**
   * More summary pages in a window than a tick may read (a burst, or a source far behind): the tick
   * fails, and the next windows are narrowed until one fits, so the cursor moves and every trace is
   * delivered once. Before, the same (ever wider) window failed on every tick and the source was stuck.
   */
  @Test
  void windowWithMorePagesThanATickMayRead_isNarrowed_untilTheCursorMovesAgain() {
    h.maxPagesPerPoll = 8;
    h.faults.pageSize(1);
    h.pollInterval = Duration.ofSeconds(1);
    h.overlap = Duration.ofSeconds(2);
    h.maxWindow = Duration.ofMinutes(5);
    XRayPoller poller = poller(); // the cursor starts at T0 − lag − interval
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) { // X-Ray's Event axis is when a trace arrived: one every 6 s, for 4 minutes
      ids.addAll(putTraces(1, h.clock.instant()));
      h.clock.advance(Duration.ofSeconds(6));
    }
    // the next window would hold all 40: 40 pages

    List<PollOutcome> outcomes = new ArrayList<>();
    for (int i = 0; i < 60 && sink.spanIds().size() < 2 * ids.size(); i++) {
      outcomes.add(h.poll(poller));
      h.clock.advance(Duration.ofSeconds(1));
    }

    assertThat(outcomes.get(0)).isEqualTo(PollOutcome.FAILED);
    assertThat(outcomes).contains(PollOutcome.COMPLETED);
    assertThat(sink.spanIds()).hasSize(2 * ids.size()).doesNotHaveDuplicates();
    assertThat(poller.status().cursor()).isAfter(XRayHarness.T0.plusSeconds(39 * 6));
  }

  /**
   * In kafka mode each hand-off waits for Kafka's acknowledgement, and a revoke stops the source on the
   * election's thread: the stop must wait for the one hand-off in progress, not for the rest of the
   * answer (or, on the logs path, of a page of hundreds of traces), or the consumer misses its poll
   * interval and the replica loses every partition.
   */
  @Test
  void stop_whileASlowSinkTakesAnAnswersTraces_waitsForOneHandOffOnly() throws Exception {
    h.batchConcurrency = 1;
    putTraces(5, XRayHarness.T0); // one BatchGetTraces answer of five
    h.clock.advance(Duration.ofSeconds(5));
    java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
    XRayPoller poller = h.poller(trace -> {
      first.countDown();
      try {
        Thread.sleep(500); // an acknowledgement that takes its time
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return sink.offer(trace);
    }, converter, registry);
    Thread polling = new Thread(() -> h.poll(poller));
    polling.start();
    assertThat(first.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    long t0 = System.nanoTime();
    poller.stop();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    polling.join(10_000);

    assertThat(took).as("one hand-off (500 ms), not the answer's other four").isLessThan(Duration.ofMillis(1500));
    assertThat(sink.accepted.size()).isLessThan(5);
  }

  @Test
  void poll_enoughTraces_averagesAtLeastFourAndAHalfTracesPerBatchGetTracesCall() {
    List<String> ids = putTraces(252, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();

    h.poll(poller);

    int summaryCalls = h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES).size();
    int batchCalls = h.emulator.requests(RecordedRequest.BATCH_GET_TRACES).size();
    double tracesPerBatch = (double) ids.size() / batchCalls;
    double callsPerTrace = (double) (summaryCalls + batchCalls) / ids.size();
    System.out.printf(
        "X-Ray API calls for %d traces: %d GetTraceSummaries + %d BatchGetTraces = %.3f calls per trace,"
            + " %.2f traces per BatchGetTraces call%n",
        ids.size(), summaryCalls, batchCalls, callsPerTrace, tracesPerBatch);
    assertThat(tracesPerBatch).isGreaterThanOrEqualTo(4.5);
    assertThat(callsPerTrace).isLessThan(0.25);
  }

  @Test
  void steadyTraffic_overManyTicks_costsFewCallsPerTrace() {
    h.overlap = Duration.ofSeconds(5);
    XRayPoller poller = poller();
    int total = 0;
    for (int tick = 0; tick < 20; tick++) {
      putTraces(20, h.clock.instant());
      total += 20;
      h.clock.advance(Duration.ofSeconds(1));
      h.poll(poller);
    }
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    int summaryCalls = h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES).size();
    int batchCalls = h.emulator.requests(RecordedRequest.BATCH_GET_TRACES).size();
    System.out.printf(
        "X-Ray API calls, steady traffic (20 traces/s, 1 s ticks, 5 s overlap, 100 summaries a page): %d traces,"
            + " %d GetTraceSummaries + %d BatchGetTraces = %.3f calls per trace, %.2f traces per BatchGetTraces call%n",
        total, summaryCalls, batchCalls, (double) (summaryCalls + batchCalls) / total, (double) total / batchCalls);
    assertThat(sink.spanIds()).hasSize(2 * total).doesNotHaveDuplicates();
    assertThat((double) total / batchCalls).isGreaterThanOrEqualTo(4.5);
  }

  @Test
  void poll_nextTick_rereadsTheOverlapButFetchesNoProcessedRevision() {
    putTraces(12, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    Instant cursor = poller.status().cursor();
    h.emulator.clearRequests();
    h.clock.advance(Duration.ofSeconds(2));

    PollOutcome outcome = h.poll(poller);

    assertThat(outcome).isEqualTo(PollOutcome.COMPLETED);
    assertThat(h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES))
        .singleElement()
        .satisfies(r -> assertThat(r.startTime()).isEqualByComparingTo(seconds(cursor.minus(h.overlap))));
    assertThat(h.emulator.requests(RecordedRequest.BATCH_GET_TRACES)).isEmpty();
    assertThat(registry.get("bridge.xray.summaries").tag("result", "skipped").counter().count()).isEqualTo(12);
    assertThat(sink.spanIds()).hasSize(24).doesNotHaveDuplicates();
  }

  @Test
  void lateSegment_arrivesAfterItsTraceWasDelivered_isDeliveredOnceLaterAsAnotherChunk() {
    String traceId = traces.traceId(XRayHarness.T0);
    String first = traces.segmentId();
    h.store.put(XRaySegments.segment(traceId, first, "", XRayHarness.T0, Duration.ofMillis(200)));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);

    h.clock.advance(Duration.ofSeconds(10));
    String late = traces.segmentId();
    h.store.put(XRaySegments.segment(traceId, late, XRaySegments.child(first), XRayHarness.T0.plusMillis(50), Duration.ofMillis(20)));
    h.clock.advance(Duration.ofSeconds(5));
    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(sink.accepted).hasSize(2);
    assertThat(sink.accepted.get(1).xrayTraceId()).isEqualTo(traceId);
    assertThat(sink.accepted.get(1).emittedSegmentIds()).containsExactly(late);
    assertThat(converter.newIds(1)).containsExactly(late);
    assertThat(sink.spanIds()).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void lateIndependentSubsegment_changesItsParentsDocument_onlyTheNewSpanGoesOut() {
    String traceId = traces.traceId(XRayHarness.T0);
    String seg = traces.segmentId();
    h.store.put(XRaySegments.segment(traceId, seg, "", XRayHarness.T0, Duration.ofMillis(200)));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);

    String late = traces.segmentId();
    h.store.put(XRaySegments.independent(traceId, late, XRaySegments.child(seg), XRayHarness.T0.plusMillis(250), Duration.ofMillis(10)));
    h.clock.advance(Duration.ofSeconds(5));
    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(sink.accepted).hasSize(2);
    assertThat(sink.accepted.get(1).spans()).extracting(s -> s.spanId()).containsExactly(Long.parseUnsignedLong(late, 16));
    assertThat(sink.spanIds()).hasSize(3).doesNotHaveDuplicates();
  }

  @Test
  void throttlingBurst_withinRetries_isSurvivedWithBackoffAndTheCursorMoves() {
    putTraces(20, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.faults.throttleNext(3);

    PollOutcome outcome = h.poll(poller);

    assertThat(outcome).isEqualTo(PollOutcome.COMPLETED);
    assertThat(sink.spanIds()).hasSize(40).doesNotHaveDuplicates();
    assertThat(h.emulator.requests()).filteredOn(r -> r.status() == 429).hasSize(3);
    assertThat(poller.status().throttlesLastMinute()).isEqualTo(3);
    assertThat(apiCalls("throttled")).isEqualTo(3);
    assertThat(poller.status().cursor()).isEqualTo(h.clock.instant().minus(h.lag));
  }

  @Test
  void throttlingStorm_beyondRetries_failsTheTickWithoutACursorGap() {
    List<String> ids = putTraces(20, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    Instant cursorBefore = poller.status().cursor();
    h.faults.throttleNext(1000);

    PollOutcome failed = h.poll(poller);
    int attempts = h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES).size();
    h.faults.throttleNext(0);
    h.clock.advance(Duration.ofSeconds(3));
    PollOutcome retried = h.poll(poller);

    assertThat(failed).isEqualTo(PollOutcome.FAILED);
    assertThat(attempts).isEqualTo(1 + h.retry.maxRetries());
    assertThat(poller.status().lastError()).isEmpty();
    assertThat(retried).isEqualTo(PollOutcome.COMPLETED);
    List<RecordedRequest> summaries = h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES);
    assertThat(summaries.get(summaries.size() - 1).startTime()).isEqualByComparingTo(seconds(cursorBefore.minus(h.overlap)));
    assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(sink.spanIds()).doesNotHaveDuplicates();
  }

  @Test
  void serverErrorsAndAMalformedAnswer_areRetried() {
    putTraces(6, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.faults.failNext(2, 503);
    h.faults.malformNext(1);

    PollOutcome outcome = h.poll(poller);

    assertThat(outcome).isEqualTo(PollOutcome.COMPLETED);
    assertThat(apiCalls("server_error")).isEqualTo(2);
    assertThat(apiCalls("malformed")).isEqualTo(1);
    assertThat(sink.spanIds()).hasSize(12).doesNotHaveDuplicates();
  }

  @Test
  void hungCalls_timeOutPerAttempt_thenTheSameWindowIsPolledAgain() {
    h.apiAttemptTimeout = Duration.ofMillis(700);
    h.retry = new XRaySourceSettings.Retry(1, Duration.ofMillis(5), Duration.ofMillis(10), 0);
    XRayPoller poller = poller();
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller); // warms the connection up, so only the hung calls below can time out
    List<String> ids = putTraces(4, h.clock.instant());
    h.clock.advance(Duration.ofSeconds(5));
    Instant cursor = poller.status().cursor();
    h.faults.delayTraces(Duration.ofMillis(2000));

    PollOutcome hung = h.poll(poller);
    h.faults.delayTraces(Duration.ZERO);
    h.clock.advance(Duration.ofSeconds(2));
    PollOutcome recovered = h.poll(poller);

    assertThat(hung).isEqualTo(PollOutcome.FAILED);
    assertThat(registry.get("bridge.xray.api.calls").tag("operation", "batch_get_traces").tag("outcome", "timeout").counter().count())
        .isEqualTo(2); // the attempt and its one retry
    assertThat(recovered).isEqualTo(PollOutcome.COMPLETED);
    assertThat(poller.status().cursor()).isAfter(cursor);
    assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void sustainedFailure_opensTheCircuit_andNoMoreCallsReachTheApi() {
    h.retry = new XRaySourceSettings.Retry(1, Duration.ofMillis(5), Duration.ofMillis(10), 0);
    h.circuit = new XRaySourceSettings.Circuit(50f, 4, 4, Duration.ofMinutes(1), 1);
    putTraces(3, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.faults.failNext(1000, 500);

    h.poll(poller);
    h.poll(poller);
    int reached = h.emulator.requests().size();
    PollOutcome third = h.poll(poller);

    assertThat(poller.status().circuitState()).isEqualTo("OPEN");
    assertThat(third).isEqualTo(PollOutcome.FAILED);
    assertThat(h.emulator.requests()).hasSize(reached);
    assertThat(apiCalls("circuit_open")).isGreaterThanOrEqualTo(1);
    assertThat(poller.status().lastError()).contains("CallNotPermittedException");
  }

  @Test
  void rateLimit_batchGetTraces_callsAreSpacedByTheConfiguredRate() {
    h.tracesPerSecond = 10;
    h.batchConcurrency = 4;
    putTraces(40, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();

    long start = System.nanoTime();
    h.poll(poller);

    List<RecordedRequest> batches = h.emulator.requests(RecordedRequest.BATCH_GET_TRACES);
    assertThat(batches).hasSize(8);
    // 10/s = one permit per 100 ms cycle, the first at once (the first two may share a cycle
    // boundary). A request arrives after its permit, never before, so however late a loaded machine
    // delivers it, call j arrives at least (j - 1) cycles after the poll began; only the limiter can
    // make it earlier. (Comparing two arrivals with each other fails whenever the earlier one is late.)
    for (int j = 1; j < batches.size(); j++) {
      long millis = (batches.get(j).receivedNanos() - start) / 1_000_000;
      assertThat(millis).as("call %d", j).isGreaterThanOrEqualTo((j - 1) * 100L - 10);
    }
  }

  @Test
  void sinkOverloaded_holdsTheCursor_andTheNextTickHandsOnTheRestWithoutLoss() {
    List<String> ids = putTraces(20, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    Instant cursorBefore = poller.status().cursor();
    sink.budget.set(4);

    PollOutcome first = h.poll(poller);
    XRaySourceStatus paused = poller.status();
    sink.budget.set(-1);
    h.clock.advance(Duration.ofSeconds(2));
    PollOutcome second = h.poll(poller);

    assertThat(first).isEqualTo(PollOutcome.OVERLOADED);
    assertThat(paused.cursor()).isEqualTo(cursorBefore);
    assertThat(paused.backPressured()).isTrue();
    assertThat(second).isEqualTo(PollOutcome.COMPLETED);
    assertThat(poller.status().backPressured()).isFalse();
    assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(sink.spanIds()).hasSize(40).doesNotHaveDuplicates();
    assertThat(sink.spanCount()).isEqualTo(40);
  }

  @Test
  void sinkOverloaded_withBatchesInFlight_abortsTheTickOnceAndDropsNoError() {
    // Several BatchGetTraces answers arrive together; the first to meet the full sink aborts the tick.
    // The others must not hand on (nor throw again once the tick is cancelled: Reactor would log that
    // error as dropped, an ERROR line with a stack trace for an expected, counted pause).
    List<Throwable> dropped = new CopyOnWriteArrayList<>();
    Hooks.onErrorDropped(dropped::add);
    try {
      h.batchConcurrency = 8;
      List<String> ids = putTraces(60, XRayHarness.T0);
      h.clock.advance(Duration.ofSeconds(5));
      XRayPoller poller = poller();
      sink.budget.set(0);

      for (int tick = 0; tick < 10; tick++) {
        assertThat(h.poll(poller)).as("tick %d", tick).isEqualTo(PollOutcome.OVERLOADED);
        h.clock.advance(Duration.ofSeconds(1));
      }
      assertThat(dropped).as("errors dropped by Reactor").isEmpty();
      assertThat(sink.refused.get()).as("offers refused, one a tick").isEqualTo(10);

      sink.budget.set(-1);
      assertThat(h.poll(poller)).isEqualTo(PollOutcome.COMPLETED);
      assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsExactlyInAnyOrderElementsOf(ids);
    } finally {
      Hooks.resetOnErrorDropped();
    }
  }

  @Test
  void converterThrowing_onOneTrace_skipsAndCountsItOnce_andDeliversTheOthers() {
    List<String> ids = putTraces(5, XRayHarness.T0);
    String bad = ids.get(2);
    List<String> calls = new CopyOnWriteArrayList<>();
    TraceConverter throwing = documents -> {
      calls.add(documents.xrayTraceId());
      if (documents.xrayTraceId().equals(bad)) throw new IllegalStateException("a converter bug");
      return converter.convert(documents);
    };
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = h.poller(sink, throwing, registry);

    PollOutcome first = h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    PollOutcome second = h.poll(poller); // the overlap reads the same traces again

    assertThat(first).isEqualTo(PollOutcome.COMPLETED);
    assertThat(second).isEqualTo(PollOutcome.COMPLETED);
    assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsExactlyInAnyOrderElementsOf(
        ids.stream().filter(id -> !id.equals(bad)).toList());
    assertThat(registry.get("bridge.xray.converter.failures").counter().count()).isEqualTo(1.0);
    assertThat(calls).as("the failed trace is not converted again").filteredOn(bad::equals).hasSize(1);
  }

  @Test
  void inProgressSegment_isHeldThenDeliveredOnceWhenItCompletes() {
    String traceId = traces.traceId(XRayHarness.T0);
    String id = traces.segmentId();
    h.store.put(XRaySegments.inProgress(traceId, id, XRayHarness.T0));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    XRaySourceStatus holding = poller.status();
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller); // same revision, still partial: not fetched again
    int fetchesWhileHeld = h.emulator.requests(RecordedRequest.BATCH_GET_TRACES).size();

    h.store.put(XRaySegments.segment(traceId, id, "", XRayHarness.T0, Duration.ofMillis(80)));
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(holding.heldTraces()).isEqualTo(1);
    assertThat(fetchesWhileHeld).isEqualTo(1);
    assertThat(poller.status().heldTraces()).isZero();
    assertThat(sink.accepted).hasSize(1);
    assertThat(sink.spanIds()).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  void inProgressSegment_neverCompleted_isFetchedAgainAfterTheTimeoutAndDeliveredOnce() {
    String traceId = traces.traceId(XRayHarness.T0);
    h.store.put(XRaySegments.inProgress(traceId, traces.segmentId(), XRayHarness.T0));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);

    h.clock.advance(Duration.ofMinutes(3)); // past inProgressTimeout (2 min) and far past the overlap (30 s)
    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(sink.accepted).singleElement().satisfies(t -> assertThat(t.xrayTraceId()).isEqualTo(traceId));
    assertThat(poller.status().heldTraces()).isZero();
    assertThat(h.emulator.requests(RecordedRequest.BATCH_GET_TRACES)).hasSize(2);
  }

  @Test
  void unprocessedTraceId_isRetriedOnce_thenCountedAndPickedUpByALaterTick() {
    List<String> ids = putTraces(3, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.faults.unprocessNext(2); // the call and its one retry both leave the first id unprocessed

    h.poll(poller);
    int afterFirst = sink.accepted.size();
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(afterFirst).isEqualTo(2);
    assertThat(registry.get("bridge.xray.traces.unprocessed").tag("outcome", "retried").counter().count()).isEqualTo(1);
    assertThat(registry.get("bridge.xray.traces.unprocessed").tag("outcome", "counted").counter().count()).isEqualTo(1);
    assertThat(h.ledger.rejected(DocumentReason.UNPROCESSED)).isEqualTo(1);
    assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(sink.spanIds()).doesNotHaveDuplicates();
  }

  @Test
  void limitExceededTrace_isHandedOnWithTheFlagAndCounted() {
    putTraces(1, XRayHarness.T0);
    h.faults.limitExceededAboveChars(10);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();

    h.poll(poller);

    assertThat(converter.inputs).singleElement().satisfies(d -> assertThat(d.limitExceeded()).isTrue());
    assertThat(sink.accepted.get(0).spans()).allSatisfy(s -> assertThat(s.meta("aws.xray.limit_exceeded")).isEqualTo("true"));
    assertThat(registry.get("bridge.xray.traces.limit_exceeded").counter().count()).isEqualTo(1);
  }

  @Test
  void rejectedDocument_isCountedOnce_andTheRestOfTheTraceGoesOn() {
    String traceId = traces.traceId(XRayHarness.T0);
    String good = traces.segmentId();
    String bad = traces.segmentId();
    h.store.put(List.of(
        XRaySegments.segment(traceId, good, "", XRayHarness.T0, Duration.ofMillis(50)),
        XRaySegments.rejectable(traceId, bad, XRayHarness.T0)));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    String late = traces.segmentId();
    h.store.put(XRaySegments.segment(traceId, late, good, XRayHarness.T0.plusMillis(10), Duration.ofMillis(5)));
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(h.ledger.rejected(DocumentReason.MALFORMED_JSON)).isEqualTo(1);
    assertThat(converter.inputs).hasSize(2);
    assertThat(converter.newIds(1)).containsExactly(late);
    assertThat(sink.spanIds()).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void cloudWatchLogsDestination_isSaidInTheStatus() {
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    XRayPoller poller = poller();

    h.poll(poller); // a source without a CloudWatch Logs client stays on the X-Ray path, and says why it finds nothing

    assertThat(poller.status().segmentDestination()).isEqualTo("CloudWatchLogs");
    assertThat(poller.status().path()).isEqualTo("xray");

    assertThat(poller.status().warning()).contains("CloudWatch Logs").contains("BatchGetTraces returns nothing");
  }

  @Test
  void clockGoesBackALittle_pollsNothingAndKeepsTheCursor() {
    putTraces(2, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    Instant cursor = poller.status().cursor();
    int calls = h.emulator.requests().size();
    h.clock.advance(Duration.ofMillis(-500));

    PollOutcome outcome = h.poll(poller);

    assertThat(outcome).isEqualTo(PollOutcome.CLOCK_BEHIND);
    assertThat(h.emulator.requests()).hasSize(calls);
    assertThat(poller.status().cursor()).isEqualTo(cursor);
  }

  @Test
  void clockJumpsBackFar_rewindsTheCursorAndReReadsWithoutDuplicates() {
    putTraces(4, XRayHarness.T0);
    h.clock.advance(Duration.ofMinutes(10)); // a clock running ahead …
    XRayPoller poller = poller();
    h.poll(poller);
    h.clock.set(XRayHarness.T0.plusSeconds(5)); // … corrected by NTP
    List<String> later = putTraces(3, h.clock.instant());

    PollOutcome back = h.poll(poller);
    Instant rewound = poller.status().cursor();
    h.clock.advance(Duration.ofSeconds(3));
    PollOutcome after = h.poll(poller);

    assertThat(back).isEqualTo(PollOutcome.CLOCK_BEHIND);
    assertThat(rewound).isEqualTo(XRayHarness.T0.plusSeconds(4));
    assertThat(after).isEqualTo(PollOutcome.COMPLETED);
    assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsAll(later);
    assertThat(sink.spanIds()).hasSize(14).doesNotHaveDuplicates();
  }

  @Test
  void tickWhilePreviousPollRuns_isSkippedAndCounted() {
    putTraces(2, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.faults.delayTraces(Duration.ofMillis(400));

    Mono<PollOutcome> first = poller.poll().cache();
    first.subscribe();
    await().atMost(Duration.ofSeconds(10)).until(() -> !h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES).isEmpty());
    PollOutcome second = h.poll(poller);

    assertThat(second).isEqualTo(PollOutcome.SKIPPED);
    assertThat(first.block(Duration.ofSeconds(10))).isEqualTo(PollOutcome.COMPLETED);
    assertThat(registry.get("bridge.xray.polls").tag("outcome", "skipped").counter().count()).isEqualTo(1);
  }

  @Test
  void start_scheduledTicks_pollEveryIntervalUntilStopped() {
    h.pollInterval = Duration.ofMillis(100);
    List<String> ids = putTraces(5, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = h.newPoller(sink, converter, registry);

    poller.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.accepted.size() == 5);
    h.clock.advance(Duration.ofSeconds(1));
    List<String> more = putTraces(2, h.clock.instant());
    h.clock.advance(Duration.ofSeconds(2)); // past the lag, so the window [.., now − lag) covers them
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.accepted.size() == 7);
    poller.stop();

    assertThat(poller.status().state()).isEqualTo(XRaySourceStatus.State.STOPPED);
    List<String> all = new ArrayList<>(ids);
    all.addAll(more);
    assertThat(sink.accepted).extracting(t -> t.xrayTraceId()).containsExactlyInAnyOrderElementsOf(all);
    // stop() may cancel the last poll after its hand-off but before its outcome is counted
    assertThat(registry.get("bridge.xray.polls").tag("outcome", "completed").counter().count()).isGreaterThanOrEqualTo(1);
    assertThat(h.checkpoints().load().orElseThrow().cursor()).isEqualTo(h.clock.instant().minus(h.lag));
  }

  // ---- helpers ----

  private XRayPoller poller() {
    return h.poller(sink, converter, registry);
  }

  /** {@code n} traces of one segment (plus its embedded subsegment), stored at the clock's time. */
  private List<String> putTraces(int n, Instant start) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String t = traces.traceId(start);
      ids.add(t);
      h.store.put(XRaySegments.segment(t, traces.segmentId(), "", start, Duration.ofMillis(40)));
    }
    return ids;
  }

  private double apiCalls(String outcome) {
    double n = 0;
    for (var c : registry.find("bridge.xray.api.calls").tag("outcome", outcome).counters()) n += c.count();
    return n;
  }

  private static BigDecimal seconds(Instant t) {
    return BigDecimal.valueOf(t.toEpochMilli(), 3);
  }
}
