package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.demo.TransactionSearchAccount;
import org.xraybridge.model.Half;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.SpanRecords;
import org.xraybridge.testing.XRayHarness;
import org.xraybridge.testing.XRaySegments;

/**
 * Which way a source reads a Transaction Search account, through the real X-Ray and CloudWatch Logs
 * clients against the emulator: the switch of destination while running (and back), PENDING, and the
 * retrieval path's asynchronous states and paging.
 */
class TransactionSearchPathsTest {

  static final String GROUP = TransactionSearchAccount.SPANS;

  @TempDir Path dir;
  XRayHarness h;
  final XRaySegments segments = new XRaySegments(11);
  final RecordingSink sink = new RecordingSink();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
    h.spanLogs.createGroup(GROUP);
    h.destinationRecheck = Duration.ofSeconds(2);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  /**
   * The account turns Transaction Search on while the source runs: PENDING keeps the X-Ray path;
   * once ACTIVE the source reads aws/spans from the cursor minus the overlap, where it finds spans the
   * X-Ray path delivered before — not sent again — and new ones; turned off again, it goes back.
   */
  @Test
  void destinationSwitchesWhileRunning_nothingTwice_nothingMissed_andBack() {
    XRayPoller poller = h.searchPoller(sink, h.converter(), h.recordConverter(), registry);
    String a = segments.traceId(XRayHarness.T0);
    String aSeg = segments.segmentId();
    h.store.put(XRaySegments.segment(a, aSeg, "", XRayHarness.T0, Duration.ofMillis(200)));
    h.clock.advance(Duration.ofSeconds(5));
    h.poll(poller);
    assertThat(poller.status().path()).isEqualTo("xray");
    assertThat(sink.spanIds()).hasSize(2); // the segment and its subsegment

    // the change is asked for: PENDING, the source keeps its path and says so
    h.faults.segmentDestination("CloudWatchLogs", "PENDING");
    h.clock.advance(Duration.ofSeconds(3));
    h.poll(poller);
    assertThat(poller.status().path()).isEqualTo("xray");
    assertThat(poller.status().segmentDestination()).isEqualTo("CloudWatchLogs");
    assertThat(poller.status().segmentDestinationStatus()).isEqualTo("PENDING");
    assertThat(poller.status().pathSwitches()).isZero();
    assertThat(poller.status().warning()).isEmpty();

    // ACTIVE: X-Ray writes spans to aws/spans — A's too, within the overlap — and BatchGetTraces finds nothing
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    String w3cA = a.substring(2, 10) + a.substring(11);
    Instant t = XRayHarness.T0;
    h.spanLogs.put(GROUP, t.toEpochMilli(), SpanRecords.span(w3cA, aSeg, "", "svc", t, Duration.ofMillis(200)));
    h.spanLogs.put(GROUP, t.toEpochMilli(), SpanRecords.span(w3cA, XRaySegments.child(aSeg), aSeg, "svc", t, Duration.ofMillis(100)));
    SpanRecords records = new SpanRecords(3);
    String b = records.traceId(h.clock.instant());
    String bRoot = records.spanId();
    h.spanLogs.put(GROUP, h.clock.millis(), SpanRecords.span(b, bRoot, "", "orders", h.clock.instant(), Duration.ofMillis(50)));
    Instant cursorAtSwitch = poller.status().cursor();
    h.emulator.clearRequests();
    h.clock.advance(Duration.ofSeconds(3));
    h.poll(poller);

    XRaySourceStatus s = poller.status();
    assertThat(s.path()).isEqualTo("logs");
    assertThat(s.pathSwitches()).isEqualTo(1);
    assertThat(s.lastPathSwitch()).isEqualTo("xray → logs (destination CloudWatchLogs ACTIVE)");
    assertThat(h.emulator.requests(RecordedRequest.FILTER_LOG_EVENTS)).first().satisfies(r ->
        assertThat(r.startTime()).isEqualByComparingTo(BigDecimal.valueOf(cursorAtSwitch.minus(h.overlap).toEpochMilli())));
    assertThat(sink.spanIds()).hasSize(3).doesNotHaveDuplicates().contains(Long.parseUnsignedLong(bRoot, 16));
    assertThat(sink.accepted.get(sink.accepted.size() - 1).half()).isEqualTo(Half.XRAY_LOGS);
    assertThat(registry.get("bridge.xray.path.switches").tag("from", "xray").tag("to", "logs").counter().count()).isEqualTo(1);

    // switched off again: back to the X-Ray path, nothing of the logs path's sent twice
    h.faults.segmentDestination("XRay", "ACTIVE");
    String c = segments.traceId(h.clock.instant());
    String cSeg = segments.segmentId();
    h.store.put(XRaySegments.segment(c, cSeg, "", h.clock.instant(), Duration.ofMillis(20)));
    h.clock.advance(Duration.ofSeconds(3));
    h.poll(poller);
    assertThat(poller.status().path()).isEqualTo("xray");
    assertThat(poller.status().pathSwitches()).isEqualTo(2);
    assertThat(sink.spanIds()).hasSize(5).doesNotHaveDuplicates().contains(Long.parseUnsignedLong(cSeg, 16));
  }

  @Test
  void transactionSearchOff_onACloudWatchLogsAccount_staysOnTheXRayPath_andWarns() {
    h.transactionSearch = XRaySourceSettings.Search.Mode.OFF;
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    XRayPoller poller = h.searchPoller(sink, h.converter(), h.recordConverter(), registry);
    h.clock.advance(Duration.ofSeconds(5));

    h.poll(poller);

    assertThat(poller.status().path()).isEqualTo("xray");
    assertThat(poller.status().warning()).contains("BatchGetTraces returns nothing").contains("transaction-search is off");
    assertThat(h.emulator.requests(RecordedRequest.FILTER_LOG_EVENTS)).isEmpty();
  }

  /** The retrieval path: ListRetrievedTraces asked again while SCHEDULED and RUNNING, then every page of five. */
  @Test
  void retrieval_waitsThroughTheAsynchronousStates_andReadsEveryPage() {
    h.transactionSearch = XRaySourceSettings.Search.Mode.RETRIEVAL;
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    h.faults.retrievalRunningAnswers(3);
    List<String> ids = putTraces(12);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = h.searchPoller(sink, h.converter(), h.recordConverter(), registry);

    assertThat(h.poll(poller)).isEqualTo(PollOutcome.COMPLETED);

    assertThat(poller.status().path()).isEqualTo("retrieval");
    assertThat(h.emulator.requests(RecordedRequest.START_TRACE_RETRIEVAL)).singleElement().satisfies(r -> {
      assertThat(r.traceIds()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(r.endTime()).isGreaterThanOrEqualTo(BigDecimal.valueOf(h.clock.instant().minus(h.lag).getEpochSecond()));
      assertThat(r.startTime()).isLessThanOrEqualTo(BigDecimal.valueOf(XRayHarness.T0.getEpochSecond()));
    });
    List<RecordedRequest> lists = h.emulator.requests(RecordedRequest.LIST_RETRIEVED_TRACES);
    assertThat(lists).hasSize(3 + 3); // SCHEDULED, RUNNING, RUNNING; then pages of 5, 5 and 2
    assertThat(lists.subList(3, 6)).extracting(RecordedRequest::returned).containsExactly(5, 5, 2);
    assertThat(sink.spanIds()).hasSize(24).doesNotHaveDuplicates();
    assertThat(sink.accepted).allSatisfy(tr -> assertThat(tr.half()).isEqualTo(Half.XRAY_POLL));
    assertThat(h.emulator.requests(RecordedRequest.BATCH_GET_TRACES)).isEmpty();

    // the next tick's overlap shows the same revisions: nothing retrieved again
    h.emulator.clearRequests();
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);
    assertThat(h.emulator.requests(RecordedRequest.START_TRACE_RETRIEVAL)).isEmpty();
  }

  @Test
  void retrievalThatFails_failsTheTick_theCursorHolds_andTheNextTickReadsTheWindowAgain() {
    h.transactionSearch = XRaySourceSettings.Search.Mode.RETRIEVAL;
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    h.faults.retrievalOutcome("FAILED");
    List<String> ids = putTraces(3);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = h.searchPoller(sink, h.converter(), h.recordConverter(), registry);
    Instant cursor = poller.status().cursor();

    assertThat(h.poll(poller)).isEqualTo(PollOutcome.FAILED);
    assertThat(poller.status().lastError()).contains("Trace retrieval ended FAILED");
    assertThat(poller.status().cursor()).isEqualTo(cursor);

    h.faults.retrievalOutcome("COMPLETE");
    h.clock.advance(Duration.ofSeconds(1));
    assertThat(h.poll(poller)).isEqualTo(PollOutcome.COMPLETED);
    assertThat(sink.spanIds()).hasSize(2 * ids.size()).doesNotHaveDuplicates();
  }

  @Test
  void retrieval_ofMoreThanAHundredTraces_isSplitIntoRetrievalsOfAHundred() {
    h.transactionSearch = XRaySourceSettings.Search.Mode.RETRIEVAL;
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    h.faults.retrievalRunningAnswers(0);
    List<String> ids = putTraces(105);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = h.searchPoller(sink, h.converter(), h.recordConverter(), registry);

    h.poll(poller);

    assertThat(h.emulator.requests(RecordedRequest.START_TRACE_RETRIEVAL)).extracting(r -> r.traceIds().size()).containsExactly(100, 5);
    assertThat(sink.spanIds()).hasSize(2 * ids.size()).doesNotHaveDuplicates();
    int summaries = h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES).size();
    int starts = h.emulator.requests(RecordedRequest.START_TRACE_RETRIEVAL).size();
    int lists = h.emulator.requests(RecordedRequest.LIST_RETRIEVED_TRACES).size();
    System.out.printf("Retrieval path, %d traces in one window (100 summaries a page, retrievals complete at once, 5 traces a page):"
        + " %d GetTraceSummaries + %d StartTraceRetrieval + %d ListRetrievedTraces = %.3f calls per trace%n",
        ids.size(), summaries, starts, lists, (double) (summaries + starts + lists) / ids.size());
  }

  private List<String> putTraces(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String t = segments.traceId(XRayHarness.T0);
      h.store.put(XRaySegments.segment(t, segments.segmentId(), "", XRayHarness.T0, Duration.ofMillis(30)));
      ids.add(t);
    }
    return ids;
  }
}
