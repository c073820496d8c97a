package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.xraybridge.receiver.Msgpack.list;
import static org.xraybridge.receiver.Msgpack.pack;
import static org.xraybridge.receiver.Msgpack.span;
import static org.xraybridge.testing.RawHttp.headers;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.model.Secret;
import org.xraybridge.ops.MicrometerPassThroughMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.passthrough.PassThroughMetrics.Outcome;
import org.xraybridge.passthrough.PassThroughSettings;
import org.xraybridge.passthrough.PassThroughStage;
import org.xraybridge.passthrough.PassThroughStatus;
import org.xraybridge.testing.FakeAgent;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RawHttp;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Everything else a tracer sends, through the receiver and the real pass-through stage to a {@link
 * FakeAgent} (or a fake intake): the {@code /info} made from the Agent's own, an Agent that is down,
 * the Agent's answers passed back unchanged, intake mode with the API key, and the receiver's body
 * limits on a relayed body — a trickle is cut, back-pressure from a slow Agent is not.
 */
class PassThroughTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String KEY = "0123456789abcdef0123456789abcdef";

  private final RecordingSink sink = new RecordingSink();
  private final MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
  private final MicrometerPassThroughMetrics passThroughMetrics = new MicrometerPassThroughMetrics(new SimpleMeterRegistry());
  private final List<AutoCloseable> closing = new ArrayList<>();
  private AgentReceiver receiver;

  @AfterEach
  void stop() throws Exception {
    if (receiver != null) receiver.stop();
    for (AutoCloseable c : closing) c.close();
  }

  private FakeAgent agent() throws IOException {
    FakeAgent a = FakeAgent.start();
    closing.add(a);
    return a;
  }

  private PassThroughStage relayTo(FakeAgent agent, ReceiverSettings settings, boolean awaitInfo) {
    PassThroughStage relay = PassThroughs.agent(agent.url(), passThroughMetrics);
    closing.add(relay);
    relay.start();
    if (awaitInfo) await().atMost(Duration.ofSeconds(10)).until(() -> relay.discovery().agentAnswered());
    receiver = new AgentReceiver(settings, sink, sink, relay, new TestLedger(), metrics, ConnectionMetrics.NOOP, Clock.systemUTC());
    receiver.start();
    return relay;
  }

  private static JsonNode info(RawHttp http) throws IOException {
    RawHttp.Response r = http.exchange("GET", "/info", List.of(), null);
    assertThat(r.status()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static List<String> endpoints(JsonNode info) {
    List<String> out = new ArrayList<>();
    info.path("endpoints").forEach(e -> out.add(e.asString()));
    return out;
  }

  @Test
  void info_inFrontOfAnAgent_isTheAgentsDocument_withTheBridgesTraceEndpointsAndFlags() throws IOException {
    FakeAgent agent = agent();
    relayTo(agent, LoopbackSettings.defaults(), true);
    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response raw = http.exchange("GET", "/info", List.of(), null);
      JsonNode info = JSON.readTree(raw.body());
      assertThat(info.path("version").asString()).isEqualTo("7.64.3");
      assertThat(endpoints(info))
          .startsWith("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats")
          .contains("/v0.7/config", "/telemetry/proxy/", "/profiling/v1/input", "/evp_proxy/v4/", "/debugger/v2/input",
              "/dogstatsd/v2/proxy", "/v0.1/pipeline_stats", "/symdb/v1/input", "/tracer_flare/v1", "/config/set")
          .as("trace endpoints the bridge does not decode").doesNotContain("/v0.7/traces", "/v0.3/services", "/v0.4/services")
          .doesNotHaveDuplicates();
      assertThat(info.path("client_drop_p0s").asBoolean(true)).isFalse();
      assertThat(info.path("span_events").asBoolean(true)).isFalse();
      assertThat(info.path("long_running_spans").asBoolean(true)).isFalse();
      assertThat(info.path("span_meta_structs").asBoolean(false)).isTrue();
      assertThat(info.path("config").has("statsd_port")).isFalse();
      assertThat(info.path("config").path("receiver_port").asInt()).isEqualTo(receiver.port());
      assertThat(info.path("config").path("max_request_bytes").asLong()).isEqualTo(LoopbackSettings.MAX_BODY_BYTES);
      assertThat(info.path("config").path("default_env").asString()).as("the Agent's, kept").isEqualTo("none");
      assertThat(info.path("evp_proxy_allowed_headers")).hasSize(5);
      assertThat(info.path("peer_tags")).hasSize(3);
      assertThat(info.path("span_kinds_stats_computed")).hasSize(4);

      RawHttp.Response traces = http.exchange("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack"),
          pack(list(list(span(1, 11, 0, "a.root")))));
      assertThat(traces.header(Answers.AGENT_STATE_HEADER)).isEqualTo(InfoDocument.sha256Hex(raw.body()));
      assertThat(traces.header(Answers.AGENT_VERSION_HEADER)).isEqualTo("7.64.3");
    }
    assertThat(sink.spanCount()).as("traces are the bridge's, never relayed").isEqualTo(1);
    assertThat(agent.requests).extracting(FakeAgent.Request::path).containsOnly("/info");
  }

  @Test
  void answersOfEveryStatus_comeBackUnchanged_withTheBridgesStateHeader() throws IOException {
    FakeAgent agent = agent();
    byte[] config = "{\"targets\":\"eyJzaWduZWQiOnt9fQ==\",\"target_files\":[{\"path\":\"datadog/2/APM_TRACING/x/config\",\"raw\":\"e30=\"}]}"
        .getBytes(StandardCharsets.UTF_8);
    agent.answer = r -> switch (r.path()) {
      case "/v0.7/config" -> new FakeAgent.Answer(200, Map.of("Content-Type", "application/json", "Datadog-Agent-State", "agents-own",
          "X-Custom", "kept"), config);
      case "/evp_proxy/v4/api/v2/citestcycle" -> FakeAgent.Answer.json(405, "EVPProxy is disabled");
      default -> new FakeAgent.Answer(500, Map.of(), "boom".getBytes(StandardCharsets.UTF_8));
    };
    relayTo(agent, LoopbackSettings.defaults(), true);
    try (RawHttp http = new RawHttp(receiver.port())) {
      String state = InfoDocument.sha256Hex(http.exchange("GET", "/info", List.of(), null).body());
      RawHttp.Response rc = http.exchange("POST", "/v0.7/config", headers("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(rc.status()).isEqualTo(200);
      assertThat(rc.body()).isEqualTo(config);
      assertThat(rc.header("X-Custom")).isEqualTo("kept");
      assertThat(rc.header(Answers.AGENT_STATE_HEADER)).as("the hash of the /info tracers got from the bridge").isEqualTo(state);
      RawHttp.Response evp = http.exchange("POST", "/evp_proxy/v4/api/v2/citestcycle", headers("X-Datadog-EVP-Subdomain", "citestcycle-intake"),
          new byte[] {1, 2, 3});
      assertThat(evp.status()).isEqualTo(405);
      assertThat(evp.text()).isEqualTo("EVPProxy is disabled");
      RawHttp.Response other = http.exchange("POST", "/dogstatsd/v2/proxy", List.of(), "a.b:1|c".getBytes(StandardCharsets.UTF_8));
      assertThat(other.status()).isEqualTo(500);
      assertThat(other.text()).isEqualTo("boom");
    }
    assertThat(passThroughMetrics.count(AgentEndpoint.REMOTE_CONFIG, Outcome.AGENT)).isEqualTo(1);
    assertThat(passThroughMetrics.count(AgentEndpoint.EVP_PROXY, Outcome.AGENT)).isEqualTo(1);
    assertThat(passThroughMetrics.count(AgentEndpoint.DOGSTATSD, Outcome.AGENT)).isEqualTo(1);
    assertThat(agent.to("/dogstatsd/v2/proxy").get(0).body()).isEqualTo("a.b:1|c".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void agentDown_502AndTheBridgesOwnInfo_counted_andWhenItComesBackItsDocumentReturns() throws Exception {
    FakeAgent agent = FakeAgent.reserved();
    closing.add(agent);
    PassThroughStage relay = relayTo(agent, LoopbackSettings.defaults(), false);
    try (RawHttp http = new RawHttp(receiver.port())) {
      assertThat(endpoints(info(http))).as("the bridge's own: no remote configuration, no proxies")
          .containsExactly("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats");
      RawHttp.Response rc = http.exchange("POST", "/v0.7/config", headers("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(rc.status()).as("what the Agent's own proxies answer when their next hop is down").isEqualTo(502);
      assertThat(rc.body()).isEmpty();
      RawHttp.Response profile = http.exchange("POST", "/profiling/v1/input", headers("Content-Type", "multipart/form-data; boundary=x"),
          "--x--".getBytes(StandardCharsets.UTF_8));
      assertThat(profile.status()).isEqualTo(502);
    }
    assertThat(passThroughMetrics.count(AgentEndpoint.REMOTE_CONFIG, Outcome.UNAVAILABLE)).isEqualTo(1);
    assertThat(passThroughMetrics.count(AgentEndpoint.PROFILING, Outcome.UNAVAILABLE)).isEqualTo(1);
    PassThroughStatus down = relay.status();
    assertThat(down.agentReachable()).isFalse();
    assertThat(down.lastError()).isNotEmpty();

    agent.up();
    try (RawHttp http = new RawHttp(receiver.port())) {
      // the first answer from the Agent has the document read again at once, not at the next refresh
      assertThat(http.exchange("POST", "/v0.7/config", List.of(), "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> endpoints(info(http)).contains("/v0.7/config"));
    }
    assertThat(relay.status().agentReachable()).isTrue();
  }

  @Test
  void intakeMode_profilesAndTelemetryGoToTheIntakeWithTheKey_theRestIsAnsweredAsAnAgentWithoutIt() throws IOException {
    FakeAgent intake = agent();
    intake.answer = r -> r.path().equals("/api/v2/profile") ? FakeAgent.Answer.json(202, "{}") : FakeAgent.Answer.json(202, "");
    PassThroughStage relay = PassThroughs.intake(intake.url().resolve("/api/v2/profile"), intake.url(), Secret.of(KEY), passThroughMetrics);
    closing.add(relay);
    receiver = new AgentReceiver(LoopbackSettings.defaults(), sink, sink, relay, new TestLedger(), metrics, ConnectionMetrics.NOOP,
        Clock.systemUTC());
    receiver.start();
    byte[] profile = multipart();
    byte[] telemetry = "{\"api_version\":\"v2\",\"request_type\":\"app-heartbeat\"}".getBytes(StandardCharsets.UTF_8);
    try (RawHttp http = new RawHttp(receiver.port())) {
      assertThat(endpoints(info(http))).containsExactly("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats",
          "/telemetry/proxy/", "/profiling/v1/input");
      RawHttp.Response p = sendChunked(http, "/profiling/v1/input", profile,
          "Content-Type", "multipart/form-data; boundary=b0undary", "DD-EVP-ORIGIN", "dd-trace-java", "X-Datadog-Additional-Tags", "team:x");
      assertThat(p.status()).as("the intake's 202, as the Agent answers it").isEqualTo(200);
      RawHttp.Response t = http.exchange("POST", "/telemetry/proxy/api/v2/apmtelemetry", headers("Content-Type", "application/json",
          "DD-Telemetry-Request-Type", "app-heartbeat", "DD-API-KEY", "the-tracers-own"), telemetry);
      assertThat(t.status()).isEqualTo(202);
      assertThat(http.exchange("POST", "/v0.7/config", List.of(), "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
      assertThat(http.exchange("POST", "/evp_proxy/v2/api/v2/citestcycle", List.of(), new byte[] {1}).status()).isEqualTo(405);
    }
    FakeAgent.Request gotProfile = intake.to("/api/v2/profile").get(0);
    assertThat(gotProfile.body()).isEqualTo(profile);
    assertThat(gotProfile.header("DD-API-KEY")).isEqualTo(KEY);
    assertThat(gotProfile.header("DD-EVP-ORIGIN")).isEqualTo("dd-trace-java");
    assertThat(gotProfile.header("Content-Type")).isEqualTo("multipart/form-data; boundary=b0undary");
    assertThat(gotProfile.header("X-Datadog-Additional-Tags")).isEqualTo("team:x,host:bridge-host,default_env:test-env");
    FakeAgent.Request gotTelemetry = intake.to("/api/v2/apmtelemetry").get(0);
    assertThat(gotTelemetry.body()).isEqualTo(telemetry);
    assertThat(gotTelemetry.header("DD-API-KEY")).as("the bridge's key, never the tracer's").isEqualTo(KEY);
    assertThat(gotTelemetry.header("DD-Telemetry-Request-Type")).isEqualTo("app-heartbeat");
    assertThat(gotTelemetry.header("DD-Agent-Env")).isEqualTo("test-env");
    assertThat(gotTelemetry.header("DD-Agent-Hostname")).isEqualTo("bridge-host");
    assertThat(intake.requests).hasSize(2);
    assertThat(passThroughMetrics.count(AgentEndpoint.PROFILING, Outcome.INTAKE)).isEqualTo(1);
    assertThat(passThroughMetrics.count(AgentEndpoint.TELEMETRY, Outcome.INTAKE)).isEqualTo(1);
    assertThat(passThroughMetrics.count(AgentEndpoint.REMOTE_CONFIG, Outcome.UNSUPPORTED)).isEqualTo(1);
    assertThat(passThroughMetrics.count(AgentEndpoint.EVP_PROXY, Outcome.UNSUPPORTED)).isEqualTo(1);

    intake.down();
    try (RawHttp http = new RawHttp(receiver.port())) {
      assertThat(http.exchange("POST", "/telemetry/proxy/api/v2/apmtelemetry", List.of(), telemetry).status()).isEqualTo(502);
    }
    assertThat(relay.status().lastError()).isNotEmpty().doesNotContain(KEY);
  }

  /**
   * The request target names a path on the bridge, never the next hop. Before, the target was appended
   * to the intake's URL as text: {@code //abcdefghijklmn<digits>/telemetry/proxy/...} routes as
   * telemetry, and its sixteenth character on went after the URL, so digits there extended the intake's
   * port (letters, its host name, where the URL has no port) — and the request went to that host with
   * the bridge's API key. Here the intake URL is {@code http://127.0.0.1:<first digit>} (nothing listens
   * there: 502), and the digits complete the port of a second listener. An absolute-form target, which
   * servers must accept, is relayed by its path; one that is no path is refused.
   */
  @ParameterizedTest
  @CsvSource({
      "'http://abcdefghi%s/telemetry/proxy/api/v2/apmtelemetry', 502",
      "'//abcdefghijklmn%s/telemetry/proxy/api/v2/apmtelemetry', 400"})
  void intakeMode_aRequestTargetThatWouldExtendTheIntakesUrl_neverTakesTheKeyElsewhere(String target, int status)
      throws IOException {
    FakeAgent elsewhere = agent();
    String port = String.valueOf(elsewhere.url().getPort());
    URI intake = URI.create("http://127.0.0.1:" + port.charAt(0));
    PassThroughStage relay = PassThroughs.intake(intake, intake, Secret.of(KEY), passThroughMetrics);
    closing.add(relay);
    receiver = new AgentReceiver(LoopbackSettings.defaults(), sink, sink, relay, new TestLedger(), metrics, ConnectionMetrics.NOOP,
        Clock.systemUTC());
    receiver.start();
    byte[] telemetry = "{\"api_version\":\"v2\",\"request_type\":\"app-heartbeat\"}".getBytes(StandardCharsets.UTF_8);

    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("POST", target.formatted(port.substring(1)), headers("Content-Type", "application/json"),
          telemetry);
      assertThat(elsewhere.requests).as("nothing reaches a host the request target named").isEmpty();
      assertThat(r.status()).isEqualTo(status);
    }
  }

  @Test
  void intakeMode_anAbsoluteFormTarget_isRelayedByItsPathAndQuery() throws IOException {
    FakeAgent intake = agent();
    intake.answer = r -> FakeAgent.Answer.json(202, "");
    FakeAgent elsewhere = agent();
    PassThroughStage relay = PassThroughs.intake(intake.url().resolve("/api/v2/profile"), intake.url(), Secret.of(KEY), passThroughMetrics);
    closing.add(relay);
    receiver = new AgentReceiver(LoopbackSettings.defaults(), sink, sink, relay, new TestLedger(), metrics, ConnectionMetrics.NOOP,
        Clock.systemUTC());
    receiver.start();

    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("POST", "http://x@127.0.0.1:" + elsewhere.url().getPort() + "/telemetry/proxy/api/v2/apmtelemetry?a=1",
          headers("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).isEqualTo(202);
    }

    assertThat(elsewhere.requests).isEmpty();
    FakeAgent.Request got = intake.to("/api/v2/apmtelemetry").get(0);
    assertThat(got.uri()).isEqualTo("/api/v2/apmtelemetry?a=1");
    assertThat(got.header("DD-API-KEY")).isEqualTo(KEY);
  }

  /**
   * Agent mode is no open proxy: a target that names another host is relayed to the Agent by its path,
   * or refused by the receiver when it is no path; one no URL can carry is refused by the pass-through.
   */
  @ParameterizedTest
  @CsvSource({
      "'http://abcdefghi@127.0.0.1:%d/v0.7/config?x=1', 200, ''",
      "'@127.0.0.1:%d/v0.7/config', 400, receiver",
      "'//127.0.0.1:%d/v0.7/config', 400, receiver",
      "'/v0.7/config?port=%d&q={x}', 400, passthrough"})
  void agentMode_aRequestTargetNamingAnotherHost_isNoOpenProxy(String target, int status, String refusedBy) throws IOException {
    FakeAgent agent = agent();
    FakeAgent elsewhere = agent();
    relayTo(agent, LoopbackSettings.defaults(), true);
    int before = agent.requests.size();

    try (RawHttp http = new RawHttp(receiver.port())) {
      RawHttp.Response r = http.exchange("POST", target.formatted(elsewhere.url().getPort()), List.of(), "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(elsewhere.requests).as("nothing reaches a host the request target named").isEmpty();
      assertThat(r.status()).isEqualTo(status);
    }

    if (status == 200) {
      assertThat(agent.to("/v0.7/config")).singleElement().satisfies(got -> assertThat(got.uri()).isEqualTo("/v0.7/config?x=1"));
    } else {
      assertThat(agent.requests).hasSize(before);
      assertThat(metrics.counts().malformedRequests()).isEqualTo(refusedBy.equals("receiver") ? 1 : 0);
      assertThat(passThroughMetrics.count(AgentEndpoint.REMOTE_CONFIG, Outcome.REFUSED)).isEqualTo(refusedBy.equals("passthrough") ? 1 : 0);
    }
  }

  @Test
  void relayedBodyTrickled_isAnswered408_backPressureFromASlowAgentIsNot() throws Exception {
    FakeAgent agent = agent();
    PassThroughStage relay = relayTo(agent, LoopbackSettings.bodyPace(Duration.ofMillis(800), 240), true);
    try (RawHttp trickle = new RawHttp(receiver.port())) {
      trickle.send("POST", "/profiling/v1/input", headers("Content-Type", "application/octet-stream", "Content-Length", "1000"), null);
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; i < 20; i++) {
            trickle.sendRaw(new byte[] {1});
            Thread.sleep(300);
          }
        } catch (IOException | InterruptedException e) {
          // closed by the bridge
        }
      });
      t.setDaemon(true);
      t.start();
      RawHttp.Response r = trickle.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(trickle.closedByServer()).isTrue();
    }
    assertThat(metrics.counts().timedOutRequests()).isEqualTo(1);
    assertThat(agent.to("/profiling/v1/input")).as("the Agent saw no whole request").allMatch(r -> r.length() < 1000);
    // the tracer failed, not the Agent: tracers keep the Agent's /info and features, health stays UP
    assertThat(relay.discovery().agentAnswered()).as("the Agent is not forgotten").isTrue();
    assertThat(relay.status().lastError()).isEmpty();
    assertThat(passThroughMetrics.count(AgentEndpoint.PROFILING, Outcome.UNAVAILABLE)).isZero();
    assertThat(passThroughMetrics.count(AgentEndpoint.PROFILING, Outcome.ABORTED)).isEqualTo(1);

    // 24 MB the Agent leaves unread for 2 s, far longer than the 800 ms gap: the bridge stops reading too, and waits
    agent.readDelay = Duration.ofSeconds(2);
    byte[] big = new byte[24 << 20];
    new Random(21).nextBytes(big);
    try (RawHttp upload = new RawHttp(receiver.port())) {
      RawHttp.Response r = upload.exchange("POST", "/profiling/v1/input", headers("Content-Type", "application/octet-stream"), big);
      assertThat(r.status()).isEqualTo(200);
    }
    FakeAgent.Request got = agent.to("/profiling/v1/input").get(agent.to("/profiling/v1/input").size() - 1);
    assertThat(got.length()).isEqualTo(big.length);
    assertThat(got.sha256()).isEqualTo(HexFormat.of().formatHex(FakeAgent.sha256().digest(big)));
    assertThat(metrics.counts().timedOutRequests()).isEqualTo(1);
  }

  /**
   * An Agent that takes the request head and then none of the body (hung, paused, a network that drops
   * packets): the answer's own timeout would only start once the body is written, and the tracer is not
   * slow, so the bridge gives the next hop {@code responseTimeout} (1 s here) to take body bytes, then
   * answers 502 — not after the Agent wakes up (6 s), nor after TCP gives up.
   */
  @Test
  void agentThatStopsReadingTheBody_isAnswered502_afterTheResponseTimeout() throws Exception {
    FakeAgent agent = agent();
    PassThroughStage relay = new PassThroughStage(new PassThroughSettings(PassThroughSettings.Mode.AGENT, agent.url(),
        URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"), Secret.EMPTY, "bridge-host", "test-env",
        Duration.ofSeconds(30), Duration.ofSeconds(1), 64), passThroughMetrics, Clock.systemUTC());
    closing.add(relay);
    relay.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> relay.discovery().agentAnswered());
    receiver = new AgentReceiver(LoopbackSettings.defaults(), sink, sink, relay, new TestLedger(), metrics, ConnectionMetrics.NOOP,
        Clock.systemUTC());
    receiver.start();
    agent.readDelay = Duration.ofSeconds(6);
    byte[] big = new byte[48 << 20]; // more than the sockets' buffers hold

    long start = System.nanoTime();
    try (RawHttp upload = new RawHttp(receiver.port())) {
      upload.send("POST", "/profiling/v1/input", headers("Content-Type", "application/octet-stream", "Content-Length",
          String.valueOf(big.length)), null);
      Thread writer = new Thread(() -> {
        try {
          upload.sendRaw(big);
        } catch (IOException e) {
          // the bridge stopped reading and closed: expected
        }
      });
      writer.setDaemon(true);
      writer.start();
      RawHttp.Response r = upload.read();
      assertThat(r.status()).isEqualTo(502);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered before the Agent woke up").isLessThan(Duration.ofSeconds(5));
    }
    assertThat(passThroughMetrics.count(AgentEndpoint.PROFILING, Outcome.UNAVAILABLE)).isEqualTo(1);
    assertThat(relay.status().lastError()).contains("took no request body bytes for 1000 ms");
  }

  private static byte[] multipart() {
    byte[] jfr = new byte[300_000];
    new Random(7).nextBytes(jfr);
    String head = "--b0undary\r\nContent-Disposition: form-data; name=\"event\"; filename=\"event.json\"\r\n"
        + "Content-Type: application/json\r\n\r\n{\"attachments\":[\"main.jfr\"],\"family\":\"java\",\"version\":\"4\"}\r\n"
        + "--b0undary\r\nContent-Disposition: form-data; name=\"main\"; filename=\"main.jfr\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n";
    byte[] tail = "\r\n--b0undary--\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(h, h.length + jfr.length + tail.length);
    System.arraycopy(jfr, 0, out, h.length, jfr.length);
    System.arraycopy(tail, 0, out, h.length + jfr.length, tail.length);
    return out;
  }

  /** A chunked upload, as dd-java-agent's profiler sends. */
  private static RawHttp.Response sendChunked(RawHttp http, String path, byte[] body, String... nameValues) throws IOException {
    List<String[]> h = new ArrayList<>(headers(nameValues));
    h.add(new String[] {"Transfer-Encoding", "chunked"});
    http.send("POST", path, h, null);
    for (int i = 0; i < body.length; i += 16_384) {
      int n = Math.min(16_384, body.length - i);
      http.sendRaw((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      http.sendRaw(Arrays.copyOfRange(body, i, i + n));
      http.sendRaw("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    http.sendRaw("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return http.read();
  }
}
