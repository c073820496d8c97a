package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.xraybridge.convert.otel.SpanRecordConverter;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.demo.TransactionSearchAccount;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.SpanRecords;
import org.xraybridge.testing.XRayHarness;

/**
 * The logs path of Transaction Search against the emulator's CloudWatch Logs, through the real AWS SDK
 * CloudWatch Logs client and the real converter of {@code aws/spans} records: pages, windows,
 * overlaps, restarts, throttling, bad records, held records, bounded catch-up.
 */
class LogsPathTest {

  static final String GROUP = TransactionSearchAccount.SPANS;

  @TempDir Path dir;
  XRayHarness h;
  final SpanRecords records = new SpanRecords(7);
  final RecordingSink sink = new RecordingSink();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  SpanRecordConverter converter;

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    h.spanLogs.createGroup(GROUP);
    converter = h.recordConverter();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void window_everyPageIsRead_emptyPagesToo_andTheBoundsAreTheWindowsInMilliseconds() {
    h.faults.logsPageSize(7);
    List<String> spans = putTraces(53, XRayHarness.T0); // 106 records
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    Instant now = h.clock.instant();
    h.faults.emptyLogPages(2);

    PollOutcome outcome = h.poll(poller);

    assertThat(outcome).isEqualTo(PollOutcome.COMPLETED);
    assertThat(poller.status().path()).isEqualTo("logs");
    List<RecordedRequest> pages = h.emulator.requests(RecordedRequest.FILTER_LOG_EVENTS);
    assertThat(pages).hasSize(2 + 16); // two empty pages that carry a token, then ceil(106 / 7)
    assertThat(pages.get(0).nextToken()).isEmpty();
    for (int i = 1; i < pages.size(); i++) assertThat(pages.get(i).nextToken()).isEqualTo(pages.get(i - 1).responseNextToken());
    assertThat(pages.get(pages.size() - 1).responseNextToken()).isEmpty();
    Instant end = now.minus(h.lag);
    Instant start = end.minus(h.pollInterval).minus(h.overlap);
    assertThat(pages).allSatisfy(r -> {
      assertThat(r.startTime()).isEqualByComparingTo(BigDecimal.valueOf(start.toEpochMilli()));
      assertThat(r.endTime()).isEqualByComparingTo(BigDecimal.valueOf(end.toEpochMilli() - 1)); // FilterLogEvents' end counts
      assertThat(r.filterExpression()).isEqualTo(GROUP);
    });
    assertThat(sink.spanIds()).hasSize(106).doesNotHaveDuplicates();
    assertThat(hex(sink.spanIds())).containsExactlyInAnyOrderElementsOf(spans);
    assertThat(sink.accepted).allSatisfy(t -> assertThat(t.half()).isEqualTo(Half.XRAY_LOGS));
    assertThat(poller.status().cursor()).isEqualTo(end);
    assertThat(registry.get("bridge.xray.api.calls").tag("operation", "filter_log_events").tag("outcome", "success").counter().count())
        .isEqualTo(18);
    // no BatchGetTraces: that path finds nothing on a Transaction Search account
    assertThat(h.emulator.requests(RecordedRequest.BATCH_GET_TRACES)).isEmpty();
  }

  /** The cost of the logs path in steady traffic: FilterLogEvents calls, and events read, per trace delivered. */
  @Test
  void steadyTraffic_costsFewCallsPerTrace_theOverlapIsReadAgainEachTick() {
    h.overlap = Duration.ofSeconds(5);
    XRayPoller poller = poller();
    int traces = 0;
    for (int tick = 0; tick < 20; tick++) {
      putTraces(20, h.clock.instant());
      traces += 20;
      h.clock.advance(Duration.ofSeconds(1));
      h.poll(poller);
    }
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    List<RecordedRequest> calls = h.emulator.requests(RecordedRequest.FILTER_LOG_EVENTS);
    long read = calls.stream().mapToLong(RecordedRequest::returned).sum();
    System.out.printf("Logs path, steady traffic (20 traces/s of 2 spans, 1 s ticks, 5 s overlap, 10,000 events a page): %d traces,"
        + " %d FilterLogEvents = %.3f calls per trace; %d events read for %d delivered (%.1f x: the overlap is read again)%n",
        traces, calls.size(), (double) calls.size() / traces, read, 2 * traces, (double) read / (2 * traces));
    assertThat(sink.spanIds()).hasSize(2 * traces).doesNotHaveDuplicates();
    assertThat(calls).hasSize(21); // one page a tick
    // what the overlap reads again is recognised by its span ids and not converted again
    assertThat(registry.get("bridge.xray.segments.skipped").counter().count()).isEqualTo(read - 2 * traces);
  }

  @Test
  void overlap_reReadsButSendsNothingTwice_aLateRecordGoesOnceAsAFurtherChunk() {
    String trace = records.traceId(XRayHarness.T0);
    String root = records.spanId();
    h.spanLogs.put(GROUP, XRayHarness.T0.toEpochMilli(), SpanRecords.span(trace, root, "", "orders", XRayHarness.T0, Duration.ofMillis(300)));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(3));
    h.poll(poller); // the overlap holds the root again
    assertThat(sink.accepted).hasSize(1);

    // a child arrives late, stamped with its start: inside the overlap of the next window
    String child = records.spanId();
    h.spanLogs.put(GROUP, XRayHarness.T0.plusMillis(50).toEpochMilli(),
        SpanRecords.span(trace, child, root, "payments", XRayHarness.T0.plusMillis(50), Duration.ofMillis(100)));
    h.clock.advance(Duration.ofSeconds(3));
    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(3));
    h.poll(poller);

    assertThat(sink.accepted).hasSize(2);
    assertThat(sink.accepted.get(1).spans()).extracting(s -> s.spanId()).containsExactly(Long.parseUnsignedLong(child, 16));
    assertThat(sink.spanIds()).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  void restart_onTheSameCheckpoint_losesNothing_sendsNothingTwice() {
    List<String> first = putTraces(10, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller run1 = poller();
    h.poll(run1);
    run1.stop();
    assertThat(h.checkpoints().load().orElseThrow().path()).isEqualTo(SourcePath.LOGS);

    List<String> second = putTraces(10, h.clock.instant());
    h.clock.advance(Duration.ofSeconds(5));
    RecordingSink after = new RecordingSink();
    XRayPoller run2 = h.searchPoller(after, h.converter(), converter, registry);
    assertThat(run2.status().path()).isEqualTo("logs");
    h.poll(run2);

    assertThat(hex(sink.spanIds())).containsExactlyInAnyOrderElementsOf(first);
    assertThat(hex(after.spanIds())).containsExactlyInAnyOrderElementsOf(second); // the overlap re-read the first ten
  }

  @Test
  void throttling_isMetWithBackoff_andAFailedTickLeavesNoGapInTheCursor() {
    List<String> spans = putTraces(6, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    Instant cursor = poller.status().cursor();
    h.faults.throttleNext(20); // more than the retries: the tick fails
    assertThat(h.poll(poller)).isEqualTo(PollOutcome.FAILED);
    assertThat(poller.status().cursor()).isEqualTo(cursor);
    assertThat(poller.status().lastError()).contains("ThrottlingException");
    assertThat(poller.status().throttlesLastMinute()).isEqualTo(5);

    h.faults.throttleNext(2); // within the retries
    h.clock.advance(Duration.ofSeconds(1));
    assertThat(h.poll(poller)).isEqualTo(PollOutcome.COMPLETED);

    assertThat(poller.status().cursor()).isAfter(cursor);
    assertThat(hex(sink.spanIds())).containsExactlyInAnyOrderElementsOf(spans);
    assertThat(registry.get("bridge.xray.api.calls").tag("operation", "filter_log_events").tag("outcome", "throttled").counter().count())
        .isEqualTo(7);
  }

  @Test
  void badRecords_areCountedOnceByReason_evenWhenTheOverlapReadsThemAgain_andTheirNeighboursGoOn() {
    String trace = records.traceId(XRayHarness.T0);
    String good = records.spanId();
    long t = XRayHarness.T0.toEpochMilli();
    h.spanLogs.put(GROUP, t, SpanRecords.span(trace, good, "", "orders", XRayHarness.T0, Duration.ofMillis(5)));
    h.spanLogs.put(GROUP, t, "{not json");
    h.spanLogs.put(GROUP, t, "{\"spanId\":\"" + records.spanId() + "\",\"name\":\"x\",\"startTimeUnixNano\":1}");
    h.spanLogs.put(GROUP, t, SpanRecords.span(trace, "00000000000000zz", "", "orders", XRayHarness.T0, Duration.ofMillis(5)));
    h.spanLogs.put(GROUP, t, SpanRecords.span(records.traceId(XRayHarness.T0), records.spanId(), "", "ok", XRayHarness.T0, Duration.ofMillis(5)));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();

    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller); // the same five again, from the overlap

    assertThat(sink.spanIds()).hasSize(2).doesNotHaveDuplicates().contains(Long.parseUnsignedLong(good, 16));
    assertThat(h.ledger.rejected(Half.XRAY_LOGS, DocumentReason.MALFORMED_JSON)).isEqualTo(1);
    assertThat(h.ledger.rejected(Half.XRAY_LOGS, DocumentReason.MISSING_FIELD)).isEqualTo(1);
    assertThat(h.ledger.rejected(Half.XRAY_LOGS, DocumentReason.MALFORMED_ID)).isEqualTo(1);
    assertThat(h.ledger.rejected()).isEqualTo(3);
  }

  @Test
  void inProgressRecord_isHeld_thenTheCompleteOneGoesOnce() {
    String trace = records.traceId(XRayHarness.T0);
    String span = records.spanId();
    h.spanLogs.put(GROUP, XRayHarness.T0.toEpochMilli(), SpanRecords.inProgress(trace, span, "orders", XRayHarness.T0));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    assertThat(sink.spanIds()).isEmpty();
    assertThat(poller.status().heldRecords()).isEqualTo(1);

    h.spanLogs.put(GROUP, XRayHarness.T0.toEpochMilli(), SpanRecords.span(trace, span, "", "orders", XRayHarness.T0, Duration.ofSeconds(4)));
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(sink.spanIds()).containsExactly(Long.parseUnsignedLong(span, 16));
    assertThat(sink.spans().get(0).durationNanos()).isEqualTo(Duration.ofSeconds(4).toNanos());
    assertThat(poller.status().heldRecords()).isZero();
  }

  @Test
  void inProgressRecordThatNeverCompletes_goesAsItIsAfterTheTimeout_evenAfterARestart() {
    String trace = records.traceId(XRayHarness.T0);
    String span = records.spanId();
    h.spanLogs.put(GROUP, XRayHarness.T0.toEpochMilli(), SpanRecords.inProgress(trace, span, "orders", XRayHarness.T0));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller run1 = poller();
    h.poll(run1);
    run1.stop(); // the held record is in the checkpoint, whole

    XRayPoller run2 = h.searchPoller(sink, h.converter(), converter, registry);
    assertThat(run2.status().heldRecords()).isEqualTo(1);
    h.clock.advance(h.inProgressTimeout.plusSeconds(1)); // far past the window that held it
    h.poll(run2);

    assertThat(sink.spanIds()).containsExactly(Long.parseUnsignedLong(span, 16));
    assertThat(sink.spans().get(0).meta()).containsEntry("aws.xray.in_progress", "true");
    assertThat(run2.status().heldRecords()).isZero();
  }

  @Test
  void heldRecords_pastTheirBound_theOldestIsGivenUpAndCounted() {
    h.maxHeldEvents = 2;
    for (int i = 0; i < 3; i++) {
      h.spanLogs.put(GROUP, XRayHarness.T0.plusMillis(i).toEpochMilli(),
          SpanRecords.inProgress(records.traceId(XRayHarness.T0), records.spanId(), "orders", XRayHarness.T0.plusMillis(i)));
    }
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();

    h.poll(poller);

    assertThat(poller.status().heldRecords()).isEqualTo(2);
    assertThat(h.ledger.rejected(Half.XRAY_LOGS, DocumentReason.EVICTED)).isEqualTo(1);
  }

  @Test
  void catchUp_aWindowLongerThanThePageBound_isReadOnByTheNextTicks_withoutLossOrRepeat() {
    h.faults.logsPageSize(5);
    h.maxLogPagesPerPoll = 2;
    List<String> spans = new ArrayList<>();
    for (int i = 0; i < 15; i++) spans.addAll(putTraces(1, XRayHarness.T0.plusSeconds(i))); // 30 records over 15 s: 6 pages
    h.clock.advance(Duration.ofSeconds(20));
    XRayPoller poller = poller();
    Instant cursor = poller.status().cursor();
    Instant end = h.clock.instant().minus(h.lag);

    List<PollOutcome> outcomes = new ArrayList<>();
    List<Integer> delivered = new ArrayList<>();
    for (int tick = 0; tick < 3; tick++) {
      outcomes.add(h.poll(poller));
      delivered.add(sink.spanIds().size());
      if (tick < 2) assertThat(poller.status().cursor()).as("the cursor stays while the window is read on").isEqualTo(cursor);
      h.clock.advance(Duration.ofSeconds(1));
    }

    assertThat(outcomes).containsExactly(PollOutcome.PARTIAL, PollOutcome.PARTIAL, PollOutcome.COMPLETED);
    assertThat(delivered).containsExactly(10, 20, 30);
    assertThat(hex(sink.spanIds())).containsExactlyInAnyOrderElementsOf(spans);
    List<RecordedRequest> pages = h.emulator.requests(RecordedRequest.FILTER_LOG_EVENTS);
    assertThat(pages).hasSize(6).allSatisfy(r -> assertThat(r.endTime()).isEqualByComparingTo(BigDecimal.valueOf(end.toEpochMilli() - 1)));
    for (int i = 1; i < pages.size(); i++) assertThat(pages.get(i).nextToken()).isEqualTo(pages.get(i - 1).responseNextToken());
    assertThat(poller.status().cursor()).isEqualTo(end);
  }

  // ---- helpers ----

  @Test
  void converterThrowing_onOneTrace_skipsAndCountsItsRecordsOnce_andDeliversTheOthers() {
    putTraces(4, XRayHarness.T0);
    h.clock.advance(Duration.ofSeconds(5));
    List<String> calls = new CopyOnWriteArrayList<>();
    TraceConverter throwing = documents -> {
      calls.add(documents.xrayTraceId());
      if (calls.size() == 1) throw new IllegalStateException("a converter bug");
      return converter.convert(documents);
    };
    XRayPoller poller = h.searchPoller(sink, h.converter(), throwing, registry);

    PollOutcome first = h.poll(poller);
    h.clock.advance(Duration.ofSeconds(2));
    PollOutcome second = h.poll(poller); // the overlap reads the same records again

    assertThat(first).isEqualTo(PollOutcome.COMPLETED);
    assertThat(second).isEqualTo(PollOutcome.COMPLETED);
    String bad = calls.get(0);
    assertThat(sink.accepted).hasSize(3).noneSatisfy(t -> assertThat(t.xrayTraceId()).isEqualTo(bad));
    assertThat(sink.spanIds()).hasSize(6).doesNotHaveDuplicates();
    assertThat(registry.get("bridge.xray.converter.failures").counter().count()).as("its two records").isEqualTo(2.0);
    assertThat(calls).as("the failed trace is not converted again").filteredOn(bad::equals).hasSize(1);
  }

  private XRayPoller poller() {
    return h.searchPoller(sink, h.converter(), converter, registry);
  }

  /** {@code n} traces of a root and a child span written to aws/spans, stamped {@code at}; their span ids. */
  private List<String> putTraces(int n, Instant at) {
    List<String> spans = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String trace = records.traceId(at);
      String root = records.spanId();
      String child = records.spanId();
      h.spanLogs.put(GROUP, at.toEpochMilli(), SpanRecords.span(trace, root, "", "orders", at, Duration.ofMillis(200)));
      h.spanLogs.put(GROUP, at.plusMillis(10).toEpochMilli(),
          SpanRecords.span(trace, child, root, "payments", at.plusMillis(10), Duration.ofMillis(100)));
      spans.add(root);
      spans.add(child);
    }
    return spans;
  }

  private static List<String> hex(List<Long> ids) {
    return ids.stream().map(id -> String.format("%016x", id)).toList();
  }
}
