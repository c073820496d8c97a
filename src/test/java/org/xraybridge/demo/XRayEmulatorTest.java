package org.xraybridge.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.testing.Corpus;
import org.xraybridge.testing.XRayHarness;
import org.xraybridge.testing.XRaySegments;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.BatchGetTracesResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSegmentDestinationResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesRequest;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesResponse;
import software.amazon.awssdk.services.xray.model.InvalidRequestException;
import software.amazon.awssdk.services.xray.model.PutTraceSegmentsResponse;
import software.amazon.awssdk.services.xray.model.ThrottledException;
import software.amazon.awssdk.services.xray.model.TimeRangeType;
import software.amazon.awssdk.services.xray.model.TraceSegmentDestination;
import software.amazon.awssdk.services.xray.model.TraceSummary;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The emulator as the real AWS SDK v2 client sees it (SigV4-signed requests, REST-JSON answers). */
class XRayEmulatorTest {

  @TempDir Path dir;
  XRayHarness h;
  XRayAsyncClient client;
  XRaySegments traces = new XRaySegments(7);

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
    client = h.client();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void putTraceSegments_throughTheSdk_documentsComeBackAsJsonStrings() {
    String traceId = traces.traceId(XRayHarness.T0);
    String a = traces.segmentId();
    String b = traces.segmentId();
    String docA = XRaySegments.segment(traceId, a, "", XRayHarness.T0, Duration.ofMillis(300));
    String docB = XRaySegments.segment(traceId, b, XRaySegments.child(a), XRayHarness.T0.plusMillis(10), Duration.ofMillis(100));

    PutTraceSegmentsResponse put = client.putTraceSegments(r -> r.traceSegmentDocuments(docA, docB, "{not json")).join();
    BatchGetTracesResponse got = client.batchGetTraces(r -> r.traceIds(traceId)).join();

    assertThat(put.unprocessedTraceSegments()).singleElement().satisfies(u -> assertThat(u.errorCode()).isEqualTo("InvalidSegment"));
    assertThat(got.traces()).singleElement().satisfies(t -> {
      assertThat(t.id()).isEqualTo(traceId);
      assertThat(t.limitExceeded()).isFalse();
      assertThat(t.duration()).isEqualTo(0.3);
      assertThat(t.segments()).extracting(s -> s.id()).containsExactly(a, b);
      assertThat(t.segments()).extracting(s -> s.document()).containsExactly(docA, docB); // byte for byte
    });
    assertThat(got.unprocessedTraceIds()).isEmpty();
  }

  @Test
  void batchGetTraces_sixIds_failsWithInvalidRequestException() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) ids.add(traces.traceId(XRayHarness.T0));

    assertThatThrownBy(() -> client.batchGetTraces(r -> r.traceIds(ids)).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("Exceeding maximum query size: 5")
        .satisfies(e -> assertThat(((InvalidRequestException) e).statusCode()).isEqualTo(400));
  }

  @Test
  void getTraceSummaries_moreThanAPage_pagesNewestFirstWithNextToken() {
    h.faults.pageSize(4);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String t = traces.traceId(XRayHarness.T0);
      ids.add(t);
      h.store.put(XRaySegments.segment(t, traces.segmentId(), "", XRayHarness.T0, Duration.ofMillis(50)));
      h.clock.advance(Duration.ofSeconds(1)); // each trace updated one second after the previous
    }

    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      GetTraceSummariesRequest.Builder b =
          GetTraceSummariesRequest.builder().startTime(XRayHarness.T0).endTime(h.clock.instant()).timeRangeType(TimeRangeType.EVENT);
      if (token != null) b.nextToken(token);
      GetTraceSummariesResponse page = client.getTraceSummaries(b.build()).join();
      page.traceSummaries().forEach(s -> seen.add(s.id()));
      token = page.nextToken();
      pages++;
    } while (token != null);

    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactlyElementsOf(newestFirst);
    assertThat(h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES))
        .extracting(RecordedRequest::timeRangeType)
        .containsOnly("Event");
  }

  @Test
  void lateSegment_sameTrace_revisionGrowsAndTraceMovesOnTheEventAxis() {
    String traceId = traces.traceId(XRayHarness.T0);
    h.store.put(XRaySegments.segment(traceId, traces.segmentId(), "", XRayHarness.T0, Duration.ofMillis(50)));
    TraceSummary first = summaries(XRayHarness.T0, XRayHarness.T0.plusSeconds(1), TimeRangeType.EVENT).get(0);

    h.clock.advance(Duration.ofMinutes(3));
    h.store.put(XRaySegments.segment(traceId, traces.segmentId(), "", XRayHarness.T0.plusSeconds(1), Duration.ofMillis(50)));

    assertThat(first.revision()).isEqualTo(1);
    assertThat(summaries(XRayHarness.T0, XRayHarness.T0.plusSeconds(1), TimeRangeType.EVENT)).isEmpty();
    List<TraceSummary> later = summaries(XRayHarness.T0.plusSeconds(170), XRayHarness.T0.plusSeconds(190), TimeRangeType.EVENT);
    assertThat(later).singleElement().satisfies(s -> {
      assertThat(s.id()).isEqualTo(traceId);
      assertThat(s.revision()).isEqualTo(2);
    });
    // the TraceId axis still finds it at its start (the epoch of its id)
    assertThat(summaries(XRayHarness.T0, XRayHarness.T0.plusSeconds(1), TimeRangeType.TRACE_ID)).hasSize(1);
  }

  @Test
  void independentSubsegment_arrivingLate_isMergedIntoItsParentsDocument() {
    String traceId = traces.traceId(XRayHarness.T0);
    String seg = traces.segmentId();
    String late = traces.segmentId();
    h.store.put(XRaySegments.segment(traceId, seg, "", XRayHarness.T0, Duration.ofMillis(50)));
    h.store.put(XRaySegments.independent(traceId, late, XRaySegments.child(seg), XRayHarness.T0.plusMillis(60), Duration.ofMillis(5)));

    BatchGetTracesResponse got = client.batchGetTraces(r -> r.traceIds(traceId)).join();

    assertThat(got.traces().get(0).segments()).singleElement().satisfies(s -> {
      assertThat(s.id()).isEqualTo(seg);
      JsonNode doc = JsonMapper.builder().build().readTree(s.document());
      assertThat(doc.path("subsegments").get(0).path("subsegments").get(0).path("id").asString()).isEqualTo(late);
    });
    assertThat(h.store.revision(traceId)).isEqualTo(2);
  }

  @Test
  void inProgressSegment_summaryIsPartialUntilTheCompleteDocumentReplacesIt() {
    String traceId = traces.traceId(XRayHarness.T0);
    String id = traces.segmentId();
    h.store.put(XRaySegments.inProgress(traceId, id, XRayHarness.T0));
    boolean partialBefore = summaries(XRayHarness.T0, XRayHarness.T0.plusSeconds(1), TimeRangeType.EVENT).get(0).isPartial();

    h.store.put(XRaySegments.segment(traceId, id, "", XRayHarness.T0, Duration.ofMillis(50)));
    TraceSummary after = summaries(XRayHarness.T0, XRayHarness.T0.plusSeconds(1), TimeRangeType.EVENT).get(0);

    assertThat(partialBefore).isTrue();
    assertThat(after.isPartial()).isFalse();
    assertThat(after.revision()).isEqualTo(2);
    assertThat(client.batchGetTraces(r -> r.traceIds(traceId)).join().traces().get(0).segments()).hasSize(1);
  }

  @Test
  void throttleNext_readCall_answers429ThrottledException() {
    h.faults.throttleNext(1);

    assertThatThrownBy(() -> client.batchGetTraces(r -> r.traceIds(traces.traceId(XRayHarness.T0))).join())
        .cause()
        .isInstanceOf(ThrottledException.class)
        .satisfies(e -> assertThat(((ThrottledException) e).statusCode()).isEqualTo(429));
    assertThat(client.batchGetTraces(r -> r.traceIds(traces.traceId(XRayHarness.T0))).join().traces()).isEmpty();
  }

  @Test
  void filterExpression_service_selectsMatchingTraces() {
    String a = traces.traceId(XRayHarness.T0);
    String b = traces.traceId(XRayHarness.T0);
    String segA = traces.segmentId();
    h.store.put(XRaySegments.segment(a, segA, "", XRayHarness.T0, Duration.ofMillis(5)));
    h.store.put(XRaySegments.segment(b, traces.segmentId(), "", XRayHarness.T0, Duration.ofMillis(5)));

    GetTraceSummariesResponse r =
        client.getTraceSummaries(q -> q.startTime(XRayHarness.T0).endTime(XRayHarness.T0.plusSeconds(1))
            .timeRangeType(TimeRangeType.EVENT).filterExpression("service(\"svc-" + segA.substring(0, 4) + "\")")).join();

    assertThat(r.traceSummaries()).extracting(TraceSummary::id).containsExactly(a);
    assertThatThrownBy(() -> client.getTraceSummaries(q -> q.startTime(XRayHarness.T0).endTime(XRayHarness.T0.plusSeconds(1))
            .filterExpression("responsetime > 5")).join())
        .cause().isInstanceOf(InvalidRequestException.class).hasMessageContaining("supports only");
  }

  @Test
  void getTraceSegmentDestination_answersWhatWasSet() {
    GetTraceSegmentDestinationResponse before = client.getTraceSegmentDestination(r -> {}).join();
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    GetTraceSegmentDestinationResponse after = client.getTraceSegmentDestination(r -> {}).join();

    assertThat(before.destination()).isEqualTo(TraceSegmentDestination.X_RAY);
    assertThat(after.destination()).isEqualTo(TraceSegmentDestination.CLOUD_WATCH_LOGS);
  }

  @Test
  void timeShift_corpusTrace_servedAsIfItJustHappened() throws Exception {
    // A real BatchGetTraces answer from the AWS docs, from the repository's test corpus.
    Path file = Corpus.file("xray/api/002-docs-batch-get-traces-lambda-beanstalk.json");
    JsonNode answer = JsonMapper.builder().build().readTree(Files.readString(file));
    List<String> docs = new ArrayList<>();
    for (JsonNode s : answer.path("Traces").get(0).path("Segments")) docs.add(s.path("Document").asString());
    Instant now = h.clock.instant();

    List<String> shifted = TimeShift.toNow(docs, now, new SplittableRandom(1));
    assertThat(h.store.put(shifted)).isEmpty();

    List<TraceSummary> found = summaries(now.minusSeconds(1), now.plusSeconds(1), TimeRangeType.EVENT);
    assertThat(found).singleElement().satisfies(s -> {
      assertThat(s.id()).startsWith("1-" + String.format("%08x", now.minusSeconds(4).getEpochSecond()).substring(0, 6));
      assertThat(s.duration()).isEqualTo(3.232);
    });
    BatchGetTracesResponse got = client.batchGetTraces(r -> r.traceIds(found.get(0).id())).join();
    assertThat(got.traces().get(0).segments()).hasSize(5);
  }

  private List<TraceSummary> summaries(Instant start, Instant end, TimeRangeType axis) {
    return client.getTraceSummaries(r -> r.startTime(start).endTime(end).timeRangeType(axis)).join().traceSummaries();
  }
}
