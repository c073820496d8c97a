package org.xraybridge.receiver;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.xraybridge.receiver.Msgpack.list;
import static org.xraybridge.receiver.Msgpack.pack;
import static org.xraybridge.receiver.Msgpack.span;
import static org.xraybridge.testing.RawHttp.headers;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Ledger.Reason;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.ops.MicrometerConnectionMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.testing.RawHttp;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The HTTP side: routes, statuses, headers, limits and the accounting of each outcome. */
class AgentReceiverTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T05:07:05Z"), ZoneOffset.UTC);
  private static final String RATES = "{\"rate_by_service\":{\"service:,env:\":1}}";
  private static final List<String[]> MSGPACK = headers("Content-Type", "application/msgpack");

  private final RecordingSink sink = new RecordingSink();
  private final TestLedger ledger = new TestLedger();
  private final MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
  private final MicrometerConnectionMetrics connectionMetrics = new MicrometerConnectionMetrics(new SimpleMeterRegistry(), "bridge.receiver");
  private AgentReceiver receiver;

  @AfterEach
  void stop() {
    if (receiver != null) receiver.stop();
  }

  private AgentReceiver start(ReceiverSettings settings) {
    receiver = new AgentReceiver(settings, sink, sink, PassThroughs.none(), ledger, metrics, connectionMetrics, CLOCK);
    receiver.start();
    return receiver;
  }

  private AgentReceiver start() {
    return start(LoopbackSettings.defaults());
  }

  private static byte[] twoTraces() {
    return pack(list(
        list(span(1, 11, 0, "a.root"), span(1, 12, 11, "a.child")),
        list(span(2, 21, 0, "b.root"))));
  }

  @Test
  void info_get_advertisesOnlyWhatIsImplemented() throws IOException {
    start();
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("GET", "/info", List.of(), null);

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      JsonNode info = JsonMapper.builder().build().readTree(r.body());
      assertThat(info.path("endpoints").valueStream().map(JsonNode::asString))
          .containsExactly("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats");
      assertThat(info.path("client_drop_p0s").asBoolean(true)).isFalse();
      assertThat(info.path("span_meta_structs").asBoolean()).isTrue();
      assertThat(info.path("long_running_spans").asBoolean(true)).isFalse();
      assertThat(info.path("span_events").asBoolean(true)).isFalse();
      assertThat(info.path("version").asString()).isEqualTo(InfoDocument.AGENT_VERSION);
      assertThat(info.path("config").path("receiver_port").asInt()).isEqualTo(receiver.port());
      assertThat(info.path("config").path("max_request_bytes").asLong()).isEqualTo(LoopbackSettings.MAX_BODY_BYTES);
      // the Agent sends its state headers on every answer but /info's
      assertThat(r.header(Answers.AGENT_STATE_HEADER)).isNull();
    }
    assertThat(metrics.counts().infoRequests()).isEqualTo(1);
  }

  @Test
  void traces_v04_answersRatesWithAgentHeaders() throws IOException {
    start();
    byte[] infoBody;
    try (RawHttp http = new RawHttp(receiver.port())) {
      infoBody = http.exchange("GET", "/info", List.of(), null).body();
      RawHttp.Response r = http.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "X-Datadog-Trace-Count", "2", "Datadog-Meta-Lang", "java",
              "Datadog-Meta-Lang-Version", "17.0.15", "Datadog-Meta-Tracer-Version", "1.68.1", "Datadog-Entity-ID", "cid-abc"),
          twoTraces());

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo(RATES);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(r.header(Answers.AGENT_VERSION_HEADER)).isEqualTo(InfoDocument.AGENT_VERSION);
      assertThat(r.header(Answers.AGENT_STATE_HEADER)).isEqualTo(InfoDocument.sha256Hex(infoBody));
    }
    assertThat(sink.chunks()).hasSize(2);
    assertThat(sink.chunks().get(0).tracer()).isEqualTo(new TracerInfo("java", "17.0.15", "1.68.1", "abc"));
    assertThat(ledger.received(Half.NATIVE)).isEqualTo(3);
    assertThat(ledger.dropped(Ledger.Stage.RECEIVE)).isZero();
    MicrometerReceiverMetrics.Counts c = metrics.counts();
    assertThat(c.acceptedPayloads()).isEqualTo(1);
    assertThat(c.acceptedSpans()).isEqualTo(3);
    assertThat(receiver.status().lastAcceptedAt()).isEqualTo(CLOCK.instant());
    assertThat(c.traceCountMismatches()).isZero();
  }

  @Test
  void traces_v03_answersOk() throws IOException {
    start();
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("POST", "/v0.3/traces", MSGPACK, twoTraces());
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("OK\n");
    }
    assertThat(sink.spanCount()).isEqualTo(3);
  }

  @Test
  void traces_jsonMediaTypeOrNone_decodedAsJson() throws IOException {
    start();
    String json = "[[{\"service\":\"s\",\"name\":\"n\",\"resource\":\"r\",\"trace_id\":18446744073709551615,"
        + "\"span_id\":2,\"parent_id\":0,\"start\":1795928824354847825,\"duration\":5,\"error\":0}]]";
    try (RawHttp http = new RawHttp(receiver.port())) {
      assertThat(http.exchange("PUT", "/v0.4/traces", headers("Content-Type", "application/json"),
          json.getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
      assertThat(http.exchange("PUT", "/v0.3/traces", List.of(), json.getBytes(StandardCharsets.UTF_8)).status())
          .isEqualTo(200);
      assertThat(http.exchange("PUT", "/v0.4/traces", List.of(), twoTraces()).status()).isEqualTo(200);
    }
    assertThat(sink.spans()).hasSize(5);
    assertThat(sink.spans().get(0).traceId()).isEqualTo(-1L);
  }

  @Test
  void traces_countHeaderDisagrees_acceptsTheBodyAndCountsTheMismatch() throws IOException {
    start();
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "X-Datadog-Trace-Count", "7"), twoTraces());
      assertThat(r.status()).isEqualTo(200);
      r = http.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "X-Datadog-Trace-Count", "two"), twoTraces());
      assertThat(r.status()).isEqualTo(200);
    }
    assertThat(sink.spanCount()).isEqualTo(6);
    assertThat(metrics.counts().traceCountMismatches()).isEqualTo(2);
  }

  @Test
  void withoutAnAgent_otherPathsAnswer404_wrongMethod405_andKeepTheConnection() throws IOException {
    start();
    try (RawHttp http = new RawHttp(receiver.port())) {
      // the embedded default has no Agent behind it: remote configuration is answered as an Agent without it
      RawHttp.Response r = http.exchange("POST", "/v0.7/config", headers("Content-Type", "application/json"),
          "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.text()).isEqualTo("404 page not found\n");
      assertThat(r.header(Answers.AGENT_VERSION_HEADER)).isEqualTo(InfoDocument.AGENT_VERSION);
      r = http.exchange("GET", "/v0.4/traces", List.of(), null);
      assertThat(r.status()).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("PUT, POST");
      assertThat(http.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
    }
    assertThat(metrics.counts().notFoundRequests()).as("the 405; the 404 is the pass-through's").isEqualTo(1);
  }

  @Test
  void withoutAnAgent_telemetryIsAnswered404AsAnAgentWithoutIt_andTheConnectionStaysUsable() throws IOException {
    start();
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("POST", "/telemetry/proxy/api/v2/apmtelemetry",
          headers("Content-Type", "application/json"), "{\"request_type\":\"app-started\"}".getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).isEqualTo(404);
      assertThat(http.exchange("PUT", "/v0.4/traces", MSGPACK, twoTraces()).status()).isEqualTo(200);
    }
    assertThat(sink.spanCount()).isEqualTo(3);
  }

  @Test
  void stats_mapBody_handedOnAsIs_anythingButOneWholeMap_answers400() throws IOException {
    start();
    byte[] stats = pack(Map.of("Hostname", "h", "Stats", List.of()));
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("POST", "/v0.6/stats",
          headers("Content-Type", "application/msgpack", "Datadog-Meta-Lang", "java"), stats);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEmpty();
      r = http.exchange("POST", "/v0.6/stats", MSGPACK, pack(list(1, 2)));
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.text()).startsWith("Malformed:");
      byte[] trailing = java.util.Arrays.copyOf(stats, stats.length + 1);
      r = http.exchange("POST", "/v0.6/stats", MSGPACK, trailing);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.text()).startsWith("Malformed:").contains("1 bytes follow the map");
      r = http.exchange("POST", "/v0.6/stats", MSGPACK, java.util.Arrays.copyOf(stats, stats.length - 1));
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.text()).startsWith("Malformed:").contains("inside the map");
    }
    assertThat(metrics.counts().malformedRequests()).isEqualTo(3);
    assertThat(sink.stats).hasSize(1);
    assertThat(sink.stats.get(0)).isEqualTo(stats);
    assertThat(sink.statsTracers.get(0).language()).isEqualTo("java");
  }

  /**
   * A stats body is walked whole (and, for the intake, wrapped) before it is handed on: a large one is
   * on a decode thread, as a large trace payload is, never on the event loop that serves other tracers.
   */
  @Test
  void statsPayload_large_isCheckedOffTheEventLoop_smallOnIt() throws IOException {
    start();
    byte[] small = pack(Map.of("Hostname", "h", "Stats", List.of()));
    byte[] large = pack(Map.of("Hostname", "h", "Env", "x".repeat(200_000), "Stats", List.of()));
    try (RawHttp http = new RawHttp(receiver.port())) {
      assertThat(http.exchange("POST", "/v0.6/stats", MSGPACK, small).status()).isEqualTo(200);
      assertThat(http.exchange("POST", "/v0.6/stats", MSGPACK, large).status()).isEqualTo(200);
    }
    assertThat(sink.stats).hasSize(2);
    assertThat(sink.statsThreads.get(0)).doesNotStartWith("bridge-receiver-decode");
    assertThat(sink.statsThreads.get(1)).startsWith("bridge-receiver-decode");
  }

  @Test
  void badBody_answers400WithReason_thenGoodBodyOnTheSameConnection_isFullyDecoded() throws IOException {
    start();
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response bad = http.exchange("PUT", "/v0.4/traces", MSGPACK, new byte[] {(byte) 0x92, (byte) 0x91});
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.text()).startsWith("Truncated:");
      RawHttp.Response good = http.exchange("PUT", "/v0.4/traces", MSGPACK, twoTraces());
      assertThat(good.status()).isEqualTo(200);
    }
    assertThat(sink.spanCount()).isEqualTo(3);
    assertThat(metrics.counts().malformedRequests()).isEqualTo(1);
    assertThat(receiver.status().lastError()).startsWith("Truncated:");
  }

  @Test
  void contentLengthOverTheLimit_answers413WithoutReadingTheBody() throws IOException {
    start(LoopbackSettings.limits(4096, 64L << 20, Duration.ofSeconds(5), 1000));
    try (RawHttp http = new RawHttp(receiver.port())) {
      // headers only: the answer must come without the body ever being sent
      http.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "4097"), null);
      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.text()).startsWith("Oversized:");
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(metrics.counts().oversizedRequests()).isEqualTo(1);
    assertThat(ledger.received(Half.NATIVE)).isZero();
  }

  @Test
  void chunkedBodyGrowingOverTheLimit_answers413() throws IOException {
    start(LoopbackSettings.limits(4096, 64L << 20, Duration.ofSeconds(5), 1000));
    try (RawHttp http = new RawHttp(receiver.port())) {
      http.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Transfer-Encoding", "chunked"), null);
      byte[] chunk = new byte[3000];
      for (int i = 0; i < 2; i++) {
        http.sendRaw(("bb8\r\n").getBytes(StandardCharsets.US_ASCII));
        http.sendRaw(chunk);
        http.sendRaw("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(413);
    }
    assertThat(metrics.counts().oversizedRequests()).isEqualTo(1);
  }

  @Test
  void chunkedBodyWithinTheLimit_isDecoded() throws IOException {
    start();
    byte[] body = twoTraces();
    try (RawHttp http = new RawHttp(receiver.port())) {
      http.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Transfer-Encoding", "chunked"), null);
      int half = body.length / 2;
      http.sendRaw((Integer.toHexString(half) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      http.sendRaw(java.util.Arrays.copyOfRange(body, 0, half));
      http.sendRaw(("\r\n" + Integer.toHexString(body.length - half) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      http.sendRaw(java.util.Arrays.copyOfRange(body, half, body.length));
      http.sendRaw("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(http.read().status()).isEqualTo(200);
    }
    assertThat(sink.spanCount()).isEqualTo(3);
  }

  @Test
  void sinkOverloaded_answers200AndCountsOverloaded_or429WhenTheTracerAsks() throws IOException {
    start();
    sink.overloaded = true;
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response agentLike = http.exchange("PUT", "/v0.4/traces", MSGPACK, twoTraces());
      assertThat(agentLike.status()).isEqualTo(200);
      assertThat(agentLike.text()).isEqualTo(RATES);
      RawHttp.Response real = http.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "Datadog-Send-Real-Http-Status", "true"), twoTraces());
      assertThat(real.status()).isEqualTo(429);
      RawHttp.Response falsy = http.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "Datadog-Send-Real-Http-Status", "false"), twoTraces());
      assertThat(falsy.status()).isEqualTo(200);
    }
    assertThat(ledger.received(Half.NATIVE)).isEqualTo(9);
    assertThat(ledger.dropped(Ledger.Stage.RECEIVE, Reason.OVERLOADED)).isEqualTo(9);
    assertThat(metrics.counts().overloadedRequests()).isEqualTo(3);
    assertThat(metrics.counts().acceptedSpans()).isZero();
  }

  @Test
  void bufferBudgetFull_refusesBeforeDecoding_andTheHeldRequestStillCompletes() throws IOException {
    // 8 KiB in all, 4 KiB for one address: one client's bodies cannot take the others' share
    start(LoopbackSettings.limits(4096, 8192, Duration.ofSeconds(5), 1000));
    byte[] body = twoTraces();
    try (RawHttp holder = new RawHttp(receiver.port(), "127.0.0.1"); RawHttp same = new RawHttp(receiver.port(), "127.0.0.1");
        RawHttp other = new RawHttp(receiver.port(), "127.0.0.2")) {
      // the first request reserves its address's whole share and sends its body slowly
      byte[] padded = java.util.Arrays.copyOf(body, 4096); // trailing zero bytes after the array are ignored
      holder.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "4096"), null);
      holder.sendRaw(java.util.Arrays.copyOfRange(padded, 0, 10));
      await().atMost(Duration.ofSeconds(5)).until(() -> metrics.counts().requests() == 1);

      RawHttp.Response refused = same.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "Datadog-Send-Real-Http-Status", "1", "X-Datadog-Trace-Count", "2"), body);
      assertThat(refused.status()).as("the same address: its share is held").isEqualTo(429);
      assertThat(other.exchange("PUT", "/v0.4/traces", MSGPACK, body).status()).as("another address: its share is free").isEqualTo(200);

      holder.sendRaw(java.util.Arrays.copyOfRange(padded, 10, 4096));
      assertThat(holder.read().status()).isEqualTo(200);
      // the share is free again
      assertThat(same.exchange("PUT", "/v0.4/traces", MSGPACK, body).status()).isEqualTo(200);
    }
    MicrometerReceiverMetrics.Counts s = metrics.counts();
    assertThat(s.refusedPayloads()).isEqualTo(1);
    assertThat(s.refusedTraces()).isEqualTo(2);
    assertThat(sink.spanCount()).isEqualTo(9);
  }

  @Test
  void bodyStallsLongerThanTheReadTimeout_answers408AndCloses() throws IOException {
    start(LoopbackSettings.limits(LoopbackSettings.MAX_BODY_BYTES, 64L << 20, Duration.ofMillis(300), 1000));
    try (RawHttp http = new RawHttp(receiver.port())) {
      http.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "100"), null);
      http.sendRaw(new byte[] {(byte) 0x91});
      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(metrics.counts().timedOutRequests()).isEqualTo(1);
  }

  @Test
  void gzipBody_answers415_crossSite_answers403() throws IOException {
    start();
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "Content-Encoding", "gzip"), new byte[] {1, 2, 3});
      assertThat(r.status()).isEqualTo(415);
      r = http.exchange("PUT", "/v0.4/traces",
          headers("Content-Type", "application/msgpack", "Sec-Fetch-Site", "cross-site"), twoTraces());
      assertThat(r.status()).isEqualTo(403);
      assertThat(http.exchange("PUT", "/v0.4/traces", MSGPACK, twoTraces()).status()).isEqualTo(200);
    }
    assertThat(sink.spanCount()).isEqualTo(3);
    assertThat(metrics.counts().forbiddenRequests()).isEqualTo(1);
    assertThat(metrics.counts().malformedRequests()).isEqualTo(1);
  }

  @Test
  void largeBody_decodedOffTheEventLoop() throws IOException {
    start();
    List<Object> traces = list();
    for (int t = 1; t <= 300; t++) {
      List<Object> spans = list();
      for (int s = 1; s <= 5; s++) spans.add(span(t, t * 100L + s, s == 1 ? 0 : t * 100L + 1, "op" + s));
      traces.add(spans);
    }
    byte[] body = pack(traces);
    assertThat(body.length).isGreaterThan(Decoding.INLINE_DECODE_MAX_BYTES);
    try (RawHttp http = new RawHttp(receiver.port())) {
      assertThat(http.exchange("PUT", "/v0.4/traces", MSGPACK, body).status()).isEqualTo(200);
    }
    assertThat(sink.spanCount()).isEqualTo(1500);
    assertThat(ledger.received(Half.NATIVE)).isEqualTo(1500);
  }

  @Test
  void stop_thenStatus_reportsNotRunning() {
    start();
    int port = receiver.port();
    assertThat(receiver.status().running()).isTrue();
    assertThat(receiver.status().port()).isEqualTo(port);
    receiver.stop();
    assertThat(receiver.status().running()).isFalse();
  }
}
