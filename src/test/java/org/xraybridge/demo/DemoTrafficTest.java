package org.xraybridge.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.TraceKey;
import org.xraybridge.source.xray.XRayPoller;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.XRayHarness;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.Trace;
import software.amazon.awssdk.services.xray.model.TraceSummary;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The demo plays both halves of one request: a tracer's v0.4 payload and the X-Ray segment that continues it. */
class DemoTrafficTest {

  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path dir;
  XRayHarness h;
  DisposableServer receiver;
  final List<Captured> posts = new CopyOnWriteArrayList<>();
  DemoTraffic demo;

  record Captured(String method, String path, Map<String, String> headers, byte[] body) {}

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
    receiver =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (req, res) ->
                    req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .flatMap(body -> {
                          Map<String, String> headers = new HashMap<>();
                          req.requestHeaders().forEach(e -> headers.put(e.getKey(), e.getValue()));
                          posts.add(new Captured(req.method().name(), req.uri(), headers, body));
                          return res.header("Content-Type", "application/json")
                              .sendString(Mono.just("{\"rate_by_service\":{\"service:,env:\":1}}")).then();
                        }))
            .bindNow();
    demo = new DemoTraffic(h.store, URI.create("http://127.0.0.1:" + receiver.port()), Duration.ofHours(1), "demo", h.clock, 5);
  }

  @AfterEach
  void tearDown() {
    demo.stop();
    receiver.disposeNow();
    h.close();
  }

  @Test
  void round_postsAJavaTracerShapedV04Payload() throws Exception {
    demo.round().block(Duration.ofSeconds(10));

    assertThat(posts).singleElement().satisfies(p -> {
      assertThat(p.method()).isEqualTo("PUT");
      assertThat(p.path()).isEqualTo("/v0.4/traces");
      assertThat(p.headers()).containsEntry("Content-Type", "application/msgpack")
          .containsEntry("X-Datadog-Trace-Count", "1").containsEntry("Datadog-Meta-Lang", "java");
    });
    List<List<Map<String, Value>>> traces = decode(posts.get(0).body());
    assertThat(traces).singleElement().satisfies(spans -> {
      assertThat(spans).hasSize(3);
      assertThat(spans).allSatisfy(s -> assertThat(s.keySet()).containsExactly(
          "service", "name", "resource", "trace_id", "span_id", "parent_id", "start", "duration", "type", "error", "metrics", "meta"));
      assertThat(spans).extracting(s -> s.get("name").asStringValue().asString())
          .containsExactly("servlet.request", "checkout.validate", "http.request");
      assertThat(spans.get(0).get("meta").asMapValue().map().get(org.msgpack.value.ValueFactory.newString("env")).asStringValue().asString())
          .isEqualTo("demo");
      assertThat(spans.get(1).get("type").isNilValue()).isTrue();
    });
    assertThat(demo.stats().nativeTracesPosted()).isEqualTo(1);
  }

  @Test
  void round_storesTheXRayHalfUnderTheIdADatadogTracerInjects() throws Exception {
    demo.round().block(Duration.ofSeconds(10));

    Map<String, Value> client = decode(posts.get(0).body()).get(0).get(2);
    long ddTraceId = unsigned(client.get("trace_id"));
    long clientSpanId = unsigned(client.get("span_id"));
    String expectedXRayId = "1-" + String.format("%08x", h.clock.instant().getEpochSecond()) + "-00000000" + String.format("%016x", ddTraceId);
    XRayAsyncClient xray = h.client();
    Trace trace = xray.batchGetTraces(r -> r.traceIds(expectedXRayId)).join().traces().get(0);
    JsonNode root = JSON.readTree(trace.segments().get(0).document());

    assertThat(root.path("parent_id").asString()).isEqualTo(String.format("%016x", clientSpanId));
    assertThat(root.path("annotations").path("env").asString()).isEqualTo("demo");
    assertThat(root.path("subsegments")).hasSize(2);
  }

  @Test
  void fiveRounds_addXRayOnlyAndEnvMismatchedTracesAndALateSubsegment() throws Exception {
    for (int i = 0; i < 5; i++) demo.round().block(Duration.ofSeconds(10));
    XRayAsyncClient xray = h.client();
    List<TraceSummary> all =
        xray.getTraceSummaries(r -> r.startTime(h.clock.instant().minusSeconds(60)).endTime(h.clock.instant().plusSeconds(1))
            .timeRangeType("Event")).join().traceSummaries();

    assertThat(all).hasSize(6); // 5 requests + 1 X-Ray-only (round 3)
    assertThat(all).filteredOn(s -> !s.id().substring(11).startsWith("00000000")).hasSize(1);
    assertThat(all).filteredOn(s -> s.revision() == 2).hasSize(4); // rounds 1-4 got their receipt subsegment late
    List<String> envs = new ArrayList<>();
    for (TraceSummary s : all) s.annotations().getOrDefault("env", List.of()).forEach(a -> envs.add(a.annotationValue().stringValue()));
    assertThat(envs).containsOnlyOnce(DemoTraffic.MISMATCHED_ENV);
    assertThat(demo.stats().rounds()).isEqualTo(5);
  }

  @Test
  void demoThroughThePoller_xrayHalfCarriesTheNativeTraceKey() throws Exception {
    demo.round().block(Duration.ofSeconds(10));
    long ddTraceId = unsigned(decode(posts.get(0).body()).get(0).get(0).get("trace_id"));
    h.clock.advance(Duration.ofSeconds(3));
    RecordingSink sink = new RecordingSink();
    XRayPoller poller = h.poller(sink, h.converter(), new SimpleMeterRegistry());

    h.poll(poller);

    assertThat(sink.accepted).singleElement().satisfies((ConvertedTrace t) -> assertThat(t.key()).isEqualTo(TraceKey.of(ddTraceId)));
  }

  @Test
  void start_playsRoundsOnItsOwn() {
    demo.start();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> demo.stats().nativeTracesPosted() >= 1);
    assertThat(h.store.traceCount()).isGreaterThanOrEqualTo(1);
  }

  private static long unsigned(Value v) {
    BigInteger b = v.asIntegerValue().asBigInteger();
    return b.longValue();
  }

  private static List<List<Map<String, Value>>> decode(byte[] body) throws Exception {
    List<List<Map<String, Value>>> traces = new ArrayList<>();
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      int n = u.unpackArrayHeader();
      for (int i = 0; i < n; i++) {
        int spans = u.unpackArrayHeader();
        List<Map<String, Value>> trace = new ArrayList<>();
        for (int j = 0; j < spans; j++) {
          int fields = u.unpackMapHeader();
          Map<String, Value> span = new java.util.LinkedHashMap<>();
          for (int k = 0; k < fields; k++) span.put(u.unpackString(), u.unpackValue());
          trace.add(span);
        }
        traces.add(trace);
      }
    }
    return traces;
  }
}
