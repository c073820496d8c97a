package org.xraybridge.receiver;


import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.passthrough.PassThroughMetrics;
import org.xraybridge.passthrough.PassThroughStage;
import org.xraybridge.testing.Corpus;
import org.xraybridge.testing.FakeAgent;
import org.xraybridge.testing.RawHttp;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replays every HTTP request captured from real producers ({@code corpus/captured/*}) with its
 * recorded method, path, query, headers and body (chunked again when it was), and checks what the
 * receiver answers and hands on — twice: without an Agent behind it (the embedded default), and in
 * front of a {@link FakeAgent}, where everything the receiver does not serve itself must reach the
 * Agent byte for byte with its end-to-end headers, and the Agent's answer come back unchanged. Trace payloads are compared span by span, field by field, with the
 * {@code .decoded.json} (v0.4) or {@code .resolved.json} (v0.5) that an independent decoder
 * ({@code @msgpack/msgpack}) wrote from the same bytes; 64-bit integers are read exactly.
 */
class CapturedCorpusReplayTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final RecordingSink SINK = new RecordingSink();
  private static final TestLedger LEDGER = new TestLedger();
  private static final MicrometerReceiverMetrics METRICS = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
  private static final Set<String> NOT_RELAYED = Set.of("host", "content-length", "transfer-encoding", "connection", "keep-alive");
  /** What the fake Agent answers everything but /info: a body and a header the tracer must get back unchanged. */
  private static final byte[] AGENT_ANSWER = "{\"roots\":[],\"targets\":\"e30=\",\"target_files\":[],\"client_configs\":[]}\n"
      .getBytes(StandardCharsets.UTF_8);
  private static AgentReceiver receiver;
  private static AgentReceiver inFrontOfAgent;
  private static FakeAgent agent;
  private static PassThroughStage relay;

  @BeforeAll
  static void start() {
    receiver = new AgentReceiver(LoopbackSettings.defaults(), SINK, SINK, PassThroughs.none(), LEDGER, METRICS, ConnectionMetrics.NOOP, Clock.systemUTC());
    receiver.start();
    try {
      agent = FakeAgent.start();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    agent.answer = r -> new FakeAgent.Answer(200, Map.of("Content-Type", "application/json", "X-Agent-Answer", r.path()), AGENT_ANSWER);
    relay = PassThroughs.agent(agent.url(), PassThroughMetrics.NOOP);
    relay.start();
    // the bridge tells tracers the Agent's document once it has read it
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> relay.discovery().agentAnswered());
    inFrontOfAgent = new AgentReceiver(LoopbackSettings.defaults(), SINK, SINK, relay, LEDGER, METRICS, ConnectionMetrics.NOOP,
        Clock.systemUTC());
    inFrontOfAgent.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop();
    inFrontOfAgent.stop();
    relay.stop();
    agent.close();
  }

  @TestFactory
  Stream<DynamicTest> everyCapturedHttpRequest_isAnsweredAsTheAgentWould() throws IOException {
    Path captured = Corpus.file("captured");
    List<Path> metas;
    try (Stream<Path> files = Files.walk(captured, 2)) {
      metas = files.filter(p -> p.getFileName().toString().endsWith(".meta.json")).sorted().toList();
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (Path meta : metas) {
      JsonNode m = JSON.readTree(meta.toFile());
      if (!"http".equals(m.path("kind").asString())) continue;
      String name = captured.relativize(meta).toString().replace(".meta.json", "");
      tests.add(dynamicTest(name + " (no Agent)", () -> replay(meta, m, false)));
      tests.add(dynamicTest(name + " (in front of an Agent)", () -> replay(meta, m, true)));
    }
    assertThat(tests).as("captured HTTP requests, twice").hasSizeGreaterThanOrEqualTo(160);
    return tests.stream();
  }

  private void replay(Path meta, JsonNode m, boolean withAgent) throws IOException {
    String method = m.path("method").asString();
    String path = m.path("path").asString();
    String query = m.path("query").isNull() ? "" : "?" + m.path("query").asString();
    byte[] body = m.path("body_file").isNull() ? null : Files.readAllBytes(meta.resolveSibling(m.path("body_file").asString()));
    boolean chunked = m.path("transfer_encoding_chunked").asBoolean();
    List<String[]> headers = new ArrayList<>();
    Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (JsonNode h : m.path("headers")) {
      String n = h.get(0).asString();
      String v = h.get(1).asString();
      byName.put(n, v);
      // RawHttp writes Host and the framing headers itself
      if (n.equalsIgnoreCase("Host") || n.equalsIgnoreCase("Content-Length") || n.equalsIgnoreCase("Transfer-Encoding")) continue;
      headers.add(new String[] {n, v});
    }
    int offersBefore = SINK.offers.size();
    int statsBefore = SINK.stats.size();
    long receivedBefore = LEDGER.received(Half.NATIVE);
    int relayedBefore = relayedToAgent().size();

    RawHttp.Response r;
    try (RawHttp http = new RawHttp((withAgent ? inFrontOfAgent : receiver).port())) {
      if (chunked && body != null) {
        headers.add(new String[] {"Transfer-Encoding", "chunked"});
        http.send(method, path + query, headers, null);
        for (int i = 0; i < body.length; i += 8192) {
          int n = Math.min(8192, body.length - i);
          http.sendRaw((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          http.sendRaw(java.util.Arrays.copyOfRange(body, i, i + n));
          http.sendRaw("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        http.sendRaw("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        r = http.read();
      } else {
        r = http.exchange(method, path + query, headers, body);
      }
    }

    switch (path) {
      case "/info" -> assertThat(r.status()).isEqualTo(200);
      case "/v0.4/traces", "/v0.5/traces" -> {
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("{\"rate_by_service\":{\"service:,env:\":1}}");
        String expectedFile = m.path("body_file").asString()
            .replace(".bin", path.equals("/v0.5/traces") ? ".resolved.json" : ".decoded.json");
        JsonNode expected = JSON.readTree(meta.resolveSibling(expectedFile).toFile());
        assertThat(SINK.offers).hasSize(offersBefore + 1);
        List<TraceChunk> chunks = SINK.offers.get(offersBefore);
        assertTraces(chunks, expected, byName);
        assertThat(Integer.parseInt(byName.get("X-Datadog-Trace-Count"))).isEqualTo(chunks.size());
        long spans = chunks.stream().mapToLong(TraceChunk::size).sum();
        assertThat(LEDGER.received(Half.NATIVE) - receivedBefore).isEqualTo(spans);
        assertThat(LEDGER.dropped(Ledger.Stage.RECEIVE)).isZero();
      }
      case "/v0.6/stats" -> {
        assertThat(r.status()).isEqualTo(200);
        assertThat(SINK.stats).hasSize(statsBefore + 1);
        assertThat(SINK.stats.get(statsBefore)).isEqualTo(body);
        assertThat(SINK.statsTracers.get(statsBefore).tracerVersion()).isEqualTo(byName.get("Datadog-Meta-Tracer-Version"));
      }
      default -> {
        assertThat(SINK.offers).hasSize(offersBefore);
        if (withAgent) {
          relayed(m, path + query, body, byName, r, relayedBefore);
        } else {
          // no Agent: remote configuration, telemetry and paths that are not the Agent's API are
          // answered as an Agent without them (404), the EVP proxy and DogStatsD as switched off (405)
          AgentEndpoint family = AgentEndpoint.of(path);
          assertThat(r.status()).isEqualTo(family == AgentEndpoint.EVP_PROXY || family == AgentEndpoint.DOGSTATSD ? 405 : 404);
          assertThat(relayedToAgent()).hasSize(relayedBefore);
        }
      }
    }
    if (!path.equals("/info")) {
      assertThat(r.header(Answers.AGENT_VERSION_HEADER)).isEqualTo(withAgent ? "7.64.3" : InfoDocument.AGENT_VERSION);
    }
  }

  /** What reached the fake Agent, without the pass-through's own reads of its /info (never relayed: the receiver serves /info). */
  private static List<FakeAgent.Request> relayedToAgent() {
    return agent.requests.stream().filter(r -> !r.path().equals("/info")).toList();
  }

  /** The request reached the Agent as sent, and the Agent's answer came back as the Agent gave it. */
  private static void relayed(JsonNode m, String uri, byte[] body, Map<String, String> sent, RawHttp.Response r, int before) {
    List<FakeAgent.Request> all = relayedToAgent();
    assertThat(all).as("one request relayed").hasSize(before + 1);
    FakeAgent.Request got = all.get(before);
    assertThat(got.method()).isEqualTo(m.path("method").asString());
    assertThat(got.uri()).isEqualTo(uri);
    assertThat(got.body()).as("the body, byte for byte").isEqualTo(body == null ? new byte[0] : body);
    for (Map.Entry<String, String> h : sent.entrySet()) {
      if (NOT_RELAYED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) continue;
      assertThat(got.header(h.getKey())).as("end-to-end header %s", h.getKey()).isEqualTo(h.getValue());
    }
    assertThat(got.header("Connection")).as("hop-by-hop").isNull();
    assertThat(got.header("Keep-Alive")).as("hop-by-hop").isNull();
    assertThat(got.header("Via")).isEqualTo("1.1 xray-datadog-bridge");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).as("the Agent's answer, byte for byte").isEqualTo(AGENT_ANSWER);
    assertThat(r.header("X-Agent-Answer")).isEqualTo(got.path());
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
  }

  /**
   * Field by field; every difference is collected (not only the first) and named by trace, span and
   * field, so one run shows everything that differs.
   */
  private static void assertTraces(List<TraceChunk> chunks, JsonNode expected, Map<String, String> headers) {
    List<String> diffs = new ArrayList<>();
    check(diffs, "number of traces", chunks.size(), expected.size());
    for (int t = 0; t < Math.min(chunks.size(), expected.size()); t++) {
      TraceChunk c = chunks.get(t);
      JsonNode spans = expected.get(t);
      check(diffs, "trace " + t + " spans", c.spans().size(), spans.size());
      check(diffs, "trace " + t + " half", c.half(), Half.NATIVE);
      check(diffs, "trace " + t + " language", c.tracer().language(), headers.get("Datadog-Meta-Lang"));
      check(diffs, "trace " + t + " language version", c.tracer().languageVersion(), headers.get("Datadog-Meta-Lang-Version"));
      check(diffs, "trace " + t + " tracer version", c.tracer().tracerVersion(), headers.get("Datadog-Meta-Tracer-Version"));
      JsonNode root = null;
      for (int s = 0; s < Math.min(c.spans().size(), spans.size()); s++) {
        JsonNode e = spans.get(s);
        Span a = c.spans().get(s);
        String at = "trace " + t + " span " + s + " ";
        check(diffs, at + "service", a.service(), e.path("service").asString());
        check(diffs, at + "name", a.name(), e.path("name").asString());
        check(diffs, at + "resource", a.resource(), e.path("resource").asString());
        check(diffs, at + "trace_id", a.traceId(), e.path("trace_id").bigIntegerValue().longValue());
        check(diffs, at + "span_id", a.spanId(), e.path("span_id").bigIntegerValue().longValue());
        check(diffs, at + "parent_id", a.parentId(), e.path("parent_id").bigIntegerValue().longValue());
        check(diffs, at + "start", a.startNanos(), e.path("start").bigIntegerValue().longValue());
        check(diffs, at + "duration", a.durationNanos(), e.path("duration").longValue());
        check(diffs, at + "error", a.error(), e.path("error").intValue());
        check(diffs, at + "type", a.type(), e.path("type").isNull() ? "" : e.path("type").asString());
        Map<String, String> meta = new TreeMap<>();
        for (Map.Entry<String, JsonNode> kv : e.path("meta").properties()) meta.put(kv.getKey(), kv.getValue().asString());
        check(diffs, at + "meta", new TreeMap<>(a.meta()), meta);
        Map<String, Double> metrics = new TreeMap<>();
        for (Map.Entry<String, JsonNode> kv : e.path("metrics").properties()) metrics.put(kv.getKey(), kv.getValue().doubleValue());
        check(diffs, at + "metrics", new TreeMap<>(a.metrics()), metrics);
        check(diffs, at + "meta_struct", a.metaStruct().size(), 0);
        check(diffs, at + "span_links", a.spanLinks().size(), 0);
        check(diffs, at + "chunk trace id", c.traceId(), a.traceId());
        if (e.path("parent_id").asLong() == 0) root = e;
      }
      if (root != null) {
        JsonNode p = root.path("metrics").path(Priority.METRIC);
        check(diffs, "trace " + t + " priority", c.priority(), p.isMissingNode() ? Priority.NONE : p.intValue());
        check(diffs, "trace " + t + " env", c.env(), root.path("meta").path("env").asString());
        check(diffs, "trace " + t + " origin", c.origin(), root.path("meta").path("_dd.origin").asString(""));
      }
    }
    assertThat(diffs).as("fields that differ from the independent decoding").isEmpty();
  }

  private static void check(List<String> diffs, String what, Object actual, Object expected) {
    if (!java.util.Objects.equals(actual, expected)) diffs.add(what + ": got " + actual + ", expected " + expected);
  }
}
