package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.ops.MicrometerPassThroughMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.passthrough.PassThroughMetrics.Outcome;
import org.xraybridge.passthrough.PassThroughStage;
import org.xraybridge.testing.FakeAgent;
import org.xraybridge.testing.HttpMessages;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TcpTap;
import org.xraybridge.testing.TestLedger;

/**
 * The real dd-java-agent — profiling on with a 5 s upload period, telemetry heartbeats every second,
 * remote configuration polled every second — pointed at the bridge in agent mode in front of a
 * {@link FakeAgent} that records every request. A {@link TcpTap} between the tracer and the bridge
 * records exactly what the tracer sent and got back, so each request the Agent received is checked
 * against the tracer's own bytes: body byte for byte, every end-to-end header; and the Agent's
 * remote-configuration answer reaches the tracer byte for byte.
 */
class RealTracerPassThroughTest {

  /** Framing and hop-by-hop headers: each hop's own (RFC 9110 §7.6.1). */
  private static final Set<String> PER_HOP = Set.of("host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
      "upgrade", "proxy-connection", "trailer");
  /** A remote-configuration answer, as an Agent with nothing new for the tracer answers in shape; passed back byte for byte. */
  private static final byte[] RC_ANSWER = ("{\"roots\":[],\"targets\":\"eyJzaWduZWQiOnsiX3R5cGUiOiJ0YXJnZXRzIiwiY3VzdG9tIjp7Im9wYXF1ZV9i"
      + "YWNrZW5kX3N0YXRlIjoiZTMwPSJ9LCJleHBpcmVzIjoiMjEwMC0wMS0wMVQwMDowMDowMFoiLCJzcGVjX3ZlcnNpb24iOiIxLjAuMCIsInRhcmdldHMiOnt9LCJ2"
      + "ZXJzaW9uIjoxfSwic2lnbmF0dXJlcyI6W119\",\"target_files\":[],\"client_configs\":[]}").getBytes(StandardCharsets.UTF_8);

  private final RecordingSink sink = new RecordingSink();
  private final MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
  private final MicrometerPassThroughMetrics passThroughMetrics = new MicrometerPassThroughMetrics(new SimpleMeterRegistry());
  private final List<String> appOut = new CopyOnWriteArrayList<>();
  private final List<String> appErr = new CopyOnWriteArrayList<>();
  private FakeAgent agent;
  private PassThroughStage relay;
  private AgentReceiver receiver;
  private TcpTap tap;
  private Process app;

  @AfterEach
  void stop() throws Exception {
    if (app != null && app.isAlive()) app.destroyForcibly();
    if (tap != null) tap.close();
    if (receiver != null) receiver.stop();
    if (relay != null) relay.stop();
    if (agent != null) agent.close();
  }

  @Test
  void realJavaTracer_profilesTelemetryAndRemoteConfig_reachTheAgentAsSent_andItsAnswersComeBack() throws Exception {
    agent = FakeAgent.start();
    agent.answer = r -> switch (r.path()) {
      case "/v0.7/config" -> new FakeAgent.Answer(200, Map.of("Content-Type", "application/json"), RC_ANSWER);
      case "/telemetry/proxy/api/v2/apmtelemetry" -> FakeAgent.Answer.json(202, "");
      default -> FakeAgent.Answer.json(200, "{}");
    };
    relay = PassThroughs.agent(agent.url(), passThroughMetrics);
    relay.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> relay.discovery().agentAnswered());
    receiver = new AgentReceiver(LoopbackSettings.defaults(), sink, sink, relay, new TestLedger(), metrics, ConnectionMetrics.NOOP,
        Clock.systemUTC());
    receiver.start();
    tap = new TcpTap(receiver.port());

    app = TracerProcess.start(TracerProcess.agentJar(), tap.port(), List.of(
        "-Ddd.profiling.enabled=true", "-Ddd.profiling.upload.period=5", "-Ddd.profiling.start-force-first=true",
        "-Ddd.profiling.ddprof.enabled=false",
        "-Ddd.instrumentation.telemetry.enabled=true", "-Ddd.telemetry.heartbeat.interval=1",
        "-Ddd.remote_configuration.enabled=true", "-Ddd.remote_config.poll_interval.seconds=1"), appOut, appErr);
    try {
      await("a profile, telemetry and remote-configuration polls at the Agent").atMost(Duration.ofSeconds(50))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !app.isAlive() || !agent.to("/profiling/v1/input").isEmpty() && agent.to("/v0.7/config").size() >= 2
              && !agent.to("/telemetry/proxy/api/v2/apmtelemetry").isEmpty());
      assertThat(app.isAlive()).as("the app runs; it said:\n%s\n%s", appOut, appErr).isTrue();
      try (OutputStream stdin = app.getOutputStream()) {
        stdin.write("go\n".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("the app exits").isTrue();
    } finally {
      if (app.isAlive()) app.destroyForcibly();
    }

    // what the tracer sent and got, from the tap
    List<HttpMessages.Message> sent = new ArrayList<>();
    List<HttpMessages.Message[]> exchanges = new ArrayList<>();
    for (TcpTap.Connection c : tap.connections) {
      List<HttpMessages.Message> requests = HttpMessages.parse(c.sent(), false);
      List<HttpMessages.Message> responses = HttpMessages.parse(c.received(), true);
      sent.addAll(requests);
      for (int i = 0; i < Math.min(requests.size(), responses.size()); i++) {
        exchanges.add(new HttpMessages.Message[] {requests.get(i), responses.get(i)});
      }
    }

    // every request the Agent got from the tracer (not the bridge's own /info reads) is one the tracer sent, as sent
    List<FakeAgent.Request> relayed = agent.requests.stream().filter(r -> !r.path().equals("/info")).toList();
    assertThat(relayed).extracting(FakeAgent.Request::path)
        .contains("/profiling/v1/input", "/v0.7/config", "/telemetry/proxy/api/v2/apmtelemetry");
    for (FakeAgent.Request got : relayed) {
      HttpMessages.Message original = sent.stream()
          .filter(m -> m.target().equals(got.uri()) && sha256(m.body()).equals(got.sha256()))
          .findFirst().orElse(null);
      assertThat(original).as("%s %s (%d bytes) as the tracer sent it", got.method(), got.uri(), got.length()).isNotNull();
      assertThat(got.method()).isEqualTo(original.startLine().split(" ")[0]);
      for (String[] h : original.headers()) {
        if (PER_HOP.contains(h[0].toLowerCase(Locale.ROOT))) continue;
        assertThat(got.header(h[0])).as("%s: end-to-end header %s", got.path(), h[0]).isEqualTo(h[1]);
      }
    }
    FakeAgent.Request profile = agent.to("/profiling/v1/input").get(0);
    assertThat(profile.header("Content-Type")).startsWith("multipart/form-data");
    assertThat(new String(profile.body(), StandardCharsets.ISO_8859_1)).contains("name=\"event\"", "main.jfr");
    assertThat(profile.header("DD-EVP-ORIGIN")).isEqualTo("dd-trace-java");
    assertThat(agent.to("/telemetry/proxy/api/v2/apmtelemetry")).extracting(r -> r.header("DD-Telemetry-Request-Type"))
        .contains("app-started");

    // the Agent's remote-configuration answer reached the tracer byte for byte
    List<HttpMessages.Message[]> polls = exchanges.stream().filter(e -> e[0].path().equals("/v0.7/config")).toList();
    assertThat(polls).isNotEmpty();
    for (HttpMessages.Message[] e : polls) {
      assertThat(e[1].status()).isEqualTo(200);
      assertThat(e[1].body()).isEqualTo(RC_ANSWER);
    }

    assertThat(passThroughMetrics.count(AgentEndpoint.PROFILING, Outcome.AGENT)).isPositive();
    assertThat(passThroughMetrics.count(AgentEndpoint.REMOTE_CONFIG, Outcome.AGENT)).isGreaterThanOrEqualTo(2);
    assertThat(passThroughMetrics.count(AgentEndpoint.TELEMETRY, Outcome.AGENT)).isPositive();
    assertThat(passThroughMetrics.counts().values()).allMatch(byOutcome -> byOutcome.keySet().equals(Set.of("agent")));
    // traces are still the bridge's own
    assertThat(sink.chunks()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(agent.requests).noneMatch(r -> r.path().endsWith("/traces"));
  }

  private static String sha256(byte[] b) {
    return HexFormat.of().formatHex(FakeAgent.sha256().digest(b));
  }
}
