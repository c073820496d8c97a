package org.xraybridge.source.daemon;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.xray.AWSXRayRecorder;
import com.amazonaws.xray.AWSXRayRecorderBuilder;
import com.amazonaws.xray.config.DaemonConfiguration;
import com.amazonaws.xray.emitters.Emitter;
import com.amazonaws.xray.entities.Segment;
import com.amazonaws.xray.entities.Subsegment;
import com.amazonaws.xray.strategy.DefaultStreamingStrategy;
import com.amazonaws.xray.strategy.sampling.AllSamplingStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.model.Span;
import org.xraybridge.ops.DropLedger;
import org.xraybridge.ops.MicrometerDaemonMetrics;
import org.xraybridge.testing.RecordingSink;

/**
 * The real AWS X-Ray SDK for Java, its UDP emitter pointed at the listener: what the SDK sends
 * becomes Datadog spans through the real converter.
 */
class XRaySdkDaemonTest {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final DropLedger ledger = new DropLedger(new SimpleMeterRegistry(), Clock.systemUTC(), Duration.ofHours(1));
  private final RecordingSink sink = new RecordingSink();
  private final MicrometerDaemonMetrics metrics = new MicrometerDaemonMetrics(new SimpleMeterRegistry());
  private XRayDaemonListener listener;

  @BeforeEach
  void start() {
    DaemonSettings settings = TestSettings.loopback()
        .timing(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofMillis(10)).get();
    listener = new XRayDaemonListener(settings, new SegmentConverter(ConvertOptions.DEFAULTS, ledger, Clock.systemUTC()),
        sink, ledger, metrics, Clock.systemUTC());
    listener.start();
  }

  @AfterEach
  void stop() {
    listener.stop();
  }

  @Test
  void sdk_segmentWithSubsegments_spansKeepTheSdksIdsAndParents() throws IOException {
    AWSXRayRecorder recorder = recorder(false);
    Segment segment = recorder.beginSegment("order-api");
    Map<String, Object> request = new HashMap<>();
    request.put("method", "POST");
    request.put("url", "https://api.example.com/orders");
    segment.putHttp("request", request);
    segment.putHttp("response", Map.of("status", 200));
    Subsegment validate = recorder.beginSubsegment("validate-order");
    Subsegment rules = recorder.beginSubsegment("load-rules");
    recorder.endSubsegment();
    recorder.endSubsegment();
    Subsegment ddb = recorder.beginSubsegment("DynamoDB");
    ddb.setNamespace("aws");
    ddb.putAws("operation", "GetItem");
    ddb.putAws("table_name", "orders");
    recorder.endSubsegment();
    recorder.endSegment();

    await().atMost(AWAIT).until(() -> sink.spanCount() == 4);
    Span root = sink.span(segment.getId());
    assertThat(root.traceId()).isEqualTo(sink.accepted.get(0).traceId());
    assertThat(root.parentId()).isZero();
    assertThat(root.resource()).isEqualTo("POST /orders");
    assertThat(root.meta()).containsEntry("aws.xray.trace_id", segment.getTraceId().toString());
    assertThat(sink.span(validate.getId()).parentId()).isEqualTo(root.spanId());
    assertThat(sink.span(rules.getId()).parentId()).isEqualTo(sink.span(validate.getId()).spanId());
    Span dynamo = sink.span(ddb.getId());
    assertThat(dynamo.resource()).isEqualTo("DynamoDB.GetItem");
    assertThat(dynamo.service()).isEqualTo("order-api");
    assertThat(sink.accepted).hasSize(1);
  }

  @Test
  void sdk_streamedSubsegmentsOfALongRequest_arriveFirstAndStillTakeTheSegmentsService() throws Exception {
    AWSXRayRecorder recorder = recorder(true);
    Segment segment = recorder.beginSegment("batch-importer");
    Subsegment first = recorder.beginSubsegment("import-chunk-1");
    recorder.endSubsegment();
    Subsegment second = recorder.beginSubsegment("import-chunk-2");
    recorder.endSubsegment();
    // the request goes on longer than the assembly window; the streamed pieces wait for their segment
    await().atMost(AWAIT).until(() -> listener.levels().documentsBuffered() == 2);
    Thread.sleep(300);
    assertThat(sink.accepted).isEmpty();
    Subsegment third = recorder.beginSubsegment("import-chunk-3");
    third.setNamespace("remote");
    third.putHttp("request", Map.of("method", "GET", "url", "http://127.0.0.1/notify"));
    recorder.endSubsegment();
    recorder.endSegment();

    await().atMost(AWAIT).until(() -> sink.spanCount() == 4);
    // the first two came as their own documents (see the wait above); the last one may ride in the
    // segment: the SDK streams only while the segment holds more than one subsegment
    assertThat(metrics.totals().datagramsAccepted()).isBetween(3L, 4L);
    Span root = sink.span(segment.getId());
    assertThat(root.service()).isEqualTo("batch-importer");
    for (Subsegment s : List.of(first, second, third)) {
      Span span = sink.span(s.getId());
      assertThat(span.service()).as(s.getName()).isEqualTo("batch-importer");
      assertThat(span.parentId()).isEqualTo(root.spanId());
      assertThat(span.traceId()).isEqualTo(root.traceId());
    }
    assertThat(sink.span(third.getId()).name()).isEqualTo("http.client.request");
    assertThat(sink.accepted).hasSize(1);
  }

  @Test
  void sdk_exceptions_becomeErrorTags() throws IOException {
    AWSXRayRecorder recorder = recorder(false);
    Segment segment = recorder.beginSegment("payments");
    Subsegment charge = recorder.beginSubsegment("charge-card");
    charge.addException(new IllegalStateException("card declined", new IOException("gateway timeout")));
    recorder.endSubsegment();
    segment.setFault(true);
    segment.putHttp("response", Map.of("status", 502));
    recorder.endSegment();

    await().atMost(AWAIT).until(() -> sink.spanCount() == 2);
    Span failed = sink.span(charge.getId());
    assertThat(failed.error()).isEqualTo(1);
    assertThat(failed.meta())
        .containsEntry("error.type", "java.lang.IllegalStateException")
        .containsEntry("error.message", "card declined");
    assertThat(failed.meta().get("error.stack")).startsWith("java.lang.IllegalStateException: card declined\n\tat ")
        .contains("XRaySdkDaemonTest");
    Span root = sink.span(segment.getId());
    assertThat(root.error()).isEqualTo(1);
    assertThat(root.meta()).containsEntry("aws.xray.fault", "true").containsEntry("http.status_code", "502");
  }

  private AWSXRayRecorder recorder(boolean streamEverySubsegment) throws IOException {
    DaemonConfiguration daemon = new DaemonConfiguration();
    daemon.setDaemonAddress("127.0.0.1:" + listener.port());
    AWSXRayRecorderBuilder b = AWSXRayRecorderBuilder.standard()
        .withEmitter(Emitter.create(daemon))
        .withSamplingStrategy(new AllSamplingStrategy());
    if (streamEverySubsegment) b.withStreamingStrategy(new DefaultStreamingStrategy(1));
    return b.build();
  }
}
