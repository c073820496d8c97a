package org.xraybridge.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.convert.otel.SpanRecordConverter;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.source.xray.XRayClients;
import org.xraybridge.testing.XRayHarness;
import org.xraybridge.testing.XRaySegments;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsAsyncClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.BatchGetTracesResponse;

/**
 * The emulator as a Transaction Search account, through the real AWS SDK clients: CloudWatch Logs'
 * FilterLogEvents in awsJson1_1 (its errors and its 1 MB page), BatchGetTraces finding nothing, and
 * the span records it writes for a segment, read by the real converter.
 */
class TransactionSearchEmulatorTest {

  @TempDir Path dir;
  XRayHarness h;
  CloudWatchLogsAsyncClient logs;
  XRayAsyncClient xray;
  TransactionSearchAccount account;

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
    h.faults.segmentDestination("CloudWatchLogs", "ACTIVE");
    account = new TransactionSearchAccount(h.store, h.spanLogs);
    logs = XRayClients.createLogs(h.settings(), XRayHarness.FAKE_CREDENTIALS, XRayHarness.EVENT_LOOPS);
    xray = h.client();
  }

  @AfterEach
  void tearDown() {
    logs.close();
    h.close();
  }

  @Test
  void unknownLogGroup_isResourceNotFound_andBothGroupKeys_areRefused() {
    assertThatThrownBy(() -> logs.filterLogEvents(r -> r.logGroupName("no/such")).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ResourceNotFoundException.class);
    assertThatThrownBy(() -> logs.filterLogEvents(r -> r.logGroupName("aws/spans").logGroupIdentifier("aws/spans")).join())
        .hasMessageContaining("Exactly one of logGroupName or logGroupIdentifier");
    assertThat(logs.filterLogEvents(r -> r.logGroupIdentifier("arn:aws:logs:us-east-1:111111111111:log-group:aws/spans:*")).join()
        .events()).isEmpty();
  }

  @Test
  void page_holdsAtMostOneMegabyte_andTheTimesBothCount() {
    String big = "x".repeat(300_000);
    for (int i = 0; i < 5; i++) h.spanLogs.put("aws/spans", 1000 + i, big);

    FilterLogEventsResponse first = logs.filterLogEvents(r -> r.logGroupName("aws/spans").startTime(1000L).endTime(1004L)).join();
    FilterLogEventsResponse second = logs.filterLogEvents(r -> r.logGroupName("aws/spans").startTime(1000L).endTime(1004L)
        .nextToken(first.nextToken())).join();

    assertThat(first.events()).hasSize(3); // 3 × (300,000 + 26) bytes fit in 1,048,576; a fourth does not
    assertThat(second.events()).hasSize(2);
    assertThat(second.nextToken()).isNull();
    assertThat(first.events().get(0).timestamp()).isEqualTo(1000L);
    assertThat(second.events().get(1).timestamp()).isEqualTo(1004L); // endTime counts
    assertThat(first.events()).allSatisfy(e -> {
      assertThat(e.eventId()).isNotEmpty();
      assertThat(e.ingestionTime()).isEqualTo(XRayHarness.T0.toEpochMilli());
      assertThat(e.logStreamName()).isNotEmpty();
    });
  }

  /** What the account writes to aws/spans for a segment: records the converter reads as that segment's spans. */
  @Test
  void segmentPut_isWrittenToAwsSpans_andBatchGetTracesFindsNothing() {
    XRaySegments segments = new XRaySegments(5);
    String traceId = segments.traceId(XRayHarness.T0);
    String id = segments.segmentId();
    account.put(List.of(XRaySegments.segment(traceId, id, "", XRayHarness.T0, Duration.ofMillis(200))));

    BatchGetTracesResponse none = xray.batchGetTraces(r -> r.traceIds(traceId)).join();
    List<SpanLogStore.Event> events = h.spanLogs.all("aws/spans");
    List<SegmentDocument> docs = events.stream().map(e -> new SegmentDocument(e.eventId(), e.message())).toList();
    SpanRecordConverter converter = h.recordConverter();
    ConvertedTrace trace = converter.convertEvents(docs, Half.XRAY_LOGS, java.util.Set.of()).traces().get(0).trace();

    assertThat(none.traces()).isEmpty();
    assertThat(events).hasSize(2).allSatisfy(e -> assertThat(e.timestamp()).isEqualTo(XRayHarness.T0.toEpochMilli()));
    assertThat(trace.xrayTraceId()).isEqualTo(traceId);
    assertThat(trace.spans()).extracting(Span::spanId)
        .containsExactly(Long.parseUnsignedLong(id, 16), Long.parseUnsignedLong(XRaySegments.child(id), 16));
    Span root = trace.spans().get(0);
    assertThat(root.service()).isEqualTo("svc-" + id.substring(0, 4));
    assertThat(root.name()).isEqualTo("http.server.request");
    assertThat(root.resource()).isEqualTo("GET");
    assertThat(trace.spans().get(1).parentId()).isEqualTo(Long.parseUnsignedLong(id, 16));
    assertThat(h.ledger.rejected()).isZero();
  }
}
