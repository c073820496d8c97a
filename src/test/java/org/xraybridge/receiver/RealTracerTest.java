package org.xraybridge.receiver;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.ops.MicrometerPassThroughMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.passthrough.PassThroughMetrics;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;

/**
 * The real Datadog Java tracer ({@code dd-java-agent}, fetched by the build into {@code
 * target/agents}) runs {@link TracedApp} in a child JVM with {@code DD_TRACE_AGENT_URL} pointing at the
 * receiver, exactly as a platform team would point it at the bridge. The tracer discovers the
 * receiver through {@code /info}, sends its traces to {@code /v0.4/traces} and keeps sending after our
 * answers; every field that arrives is checked against the ids the app printed.
 */
class RealTracerTest {

  private final RecordingSink sink = new RecordingSink();
  private final TestLedger ledger = new TestLedger();
  private final MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
  private final MicrometerPassThroughMetrics passThroughMetrics = new MicrometerPassThroughMetrics(new SimpleMeterRegistry());
  private final List<String> appOut = new CopyOnWriteArrayList<>();
  private final List<String> appErr = new CopyOnWriteArrayList<>();
  private AgentReceiver receiver;
  private Process app;

  @AfterEach
  void stop() {
    if (app != null && app.isAlive()) app.destroyForcibly();
    if (receiver != null) receiver.stop();
  }

  @Test
  void realJavaTracer_nestedErrorTagged128Bit_everyFieldArrives_andItKeepsSending() throws Exception {
    Path jar = Path.of(System.getProperty("agents.dir", "target/agents"), "dd-java-agent.jar");
    assertThat(jar).as("dd-java-agent.jar: the build copies it into target/agents (maven-dependency-plugin, "
        + "phase generate-test-resources); run the tests through ./mvnw").exists();
    receiver = new AgentReceiver(LoopbackSettings.defaults(), sink, sink, PassThroughs.none(passThroughMetrics), ledger, metrics, ConnectionMetrics.NOOP, Clock.systemUTC());
    receiver.start();
    Instant before = Instant.now();

    app = startApp(jar, receiver.port());
    try {
      await("trace 1 at the receiver").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50))
          .until(() -> !sink.offers.isEmpty() || !app.isAlive());
      assertThat(sink.offers).as("no trace arrived; the app said:\n%s\n%s", appOut, appErr).isNotEmpty();
      int payloadsAfterTrace1 = sink.offers.size();
      try (OutputStream stdin = app.getOutputStream()) {
        stdin.write("go\n".getBytes(StandardCharsets.UTF_8));
      }
      await("trace 2 at the receiver").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> sink.chunks().size() >= 2);
      assertThat(sink.offers.size()).as("trace 2 came in a later payload").isGreaterThan(payloadsAfterTrace1);
      assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("the app exits").isTrue();
    } finally {
      if (app.isAlive()) app.destroyForcibly();
    }
    Instant after = Instant.now();

    Map<String, Long> ids = new HashMap<>();
    Map<String, String> traces = new HashMap<>();
    for (String line : appOut) {
      String[] p = line.split(" ");
      if (p[0].equals("SPAN")) ids.put(p[1], Long.parseUnsignedLong(p[2], 16));
      if (p[0].equals("TRACE")) traces.put(p[1], p[2]);
    }
    assertThat(traces).as("app output: %s", appOut).containsKeys("1", "2");

    // discovery: the tracer read /info and then used what it advertises, nothing else
    MicrometerReceiverMetrics.Counts status = metrics.counts();
    // dd-trace-java reads /info twice at start-up (so do the captures); it reads it again at once when a
    // trace answer's Datadog-Agent-State differs from the SHA-256 it took of /info, as it did after the
    // capture server's made-up state. No third read: our state header is the hash it expects.
    assertThat(status.infoRequests()).isBetween(1L, 2L);
    assertThat(status.notFoundRequests()).as("requests to endpoints we do not advertise").isZero();
    // without an Agent behind the bridge, telemetry (sent whatever /info says) is answered as an Agent without it
    assertThat(passThroughMetrics.count(AgentEndpoint.TELEMETRY, PassThroughMetrics.Outcome.UNSUPPORTED)).isPositive();
    assertThat(passThroughMetrics.counts().keySet()).as("nothing else the tracer sent besides traces").containsOnly("telemetry");
    assertThat(status.malformedRequests()).isZero();
    assertThat(status.acceptedPayloads()).isGreaterThanOrEqualTo(2);

    List<TraceChunk> chunks = sink.chunks();
    assertThat(chunks).hasSize(2);
    TraceChunk first = chunks.get(0);
    String traceHex = traces.get("1");
    assertThat(first.traceId()).as("low 64 bits of the 128-bit id").isEqualTo(Long.parseUnsignedLong(traceHex.substring(16), 16));
    assertThat(first.priority()).isEqualTo(Priority.AUTO_KEEP);
    assertThat(first.env()).isEqualTo("receiver-test");
    assertThat(first.origin()).isEmpty();
    assertThat(first.tracer().language()).isEqualTo("java");
    assertThat(first.tracer().languageVersion()).isEqualTo(System.getProperty("java.version"));
    assertThat(first.tracer().tracerVersion()).startsWith("1.68.1");

    Map<String, Span> byName = new HashMap<>();
    for (Span s : first.spans()) byName.put(s.name(), s);
    assertThat(byName).containsOnlyKeys("tiny.request", "tiny.load", "tiny.query", "tiny.charge");
    Span root = byName.get("tiny.request");
    Span load = byName.get("tiny.load");
    Span query = byName.get("tiny.query");
    Span charge = byName.get("tiny.charge");
    for (Span s : first.spans()) {
      assertThat(s.traceId()).isEqualTo(first.traceId());
      assertThat(s.spanId()).isEqualTo(ids.get(s.name()));
      assertThat(s.service()).isEqualTo("tiny-app");
      assertThat(s.meta("env")).isEqualTo("receiver-test");
      assertThat(s.meta("version")).isEqualTo("3.1.4");
      assertThat(s.meta("team")).as("DD_TAGS").isEqualTo("receiver");
      assertThat(s.startNanos()).isBetween(nanos(before), nanos(after));
      assertThat(s.startNanos() + s.durationNanos()).isLessThanOrEqualTo(nanos(after));
    }
    // the tree
    assertThat(root.parentId()).isZero();
    assertThat(load.parentId()).isEqualTo(root.spanId());
    assertThat(query.parentId()).isEqualTo(load.spanId());
    assertThat(charge.parentId()).isEqualTo(root.spanId());
    // resource names are the OpenTelemetry span names; types and kinds
    assertThat(root.resource()).isEqualTo("GET /orders/{id}");
    assertThat(query.resource()).isEqualTo("SELECT * FROM orders");
    assertThat(query.type()).isEqualTo("sql");
    assertThat(root.meta("span.kind")).isEqualTo("server");
    assertThat(query.meta("span.kind")).isEqualTo("client");
    // 128-bit trace id: the high half travels as _dd.p.tid on the chunk's root
    assertThat(root.meta("_dd.p.tid")).isEqualTo(traceHex.substring(0, 16));
    // tags of each type
    assertThat(root.meta("order.id")).isEqualTo("o-42");
    assertThat(root.meta("customer.vip")).isEqualTo("true");
    assertThat(root.metrics()).containsEntry("cart.items", 3.0).containsEntry("cart.total", 59.97)
        .containsEntry(Priority.METRIC, (double) Priority.AUTO_KEEP);
    // the error span
    assertThat(charge.error()).isEqualTo(1);
    assertThat(root.error()).isZero();
    assertThat(charge.meta("error.message")).isEqualTo("card declined");
    assertThat(charge.meta("error.type")).isEqualTo("java.lang.IllegalStateException");
    assertThat(charge.meta("error.stack")).contains("IllegalStateException: card declined");
    // span events are not advertised, so the tracer sends them as the meta tag "events"
    assertThat(charge.meta("events")).contains("exception");

    TraceChunk second = chunks.get(1);
    assertThat(second.spans()).extracting(Span::name).containsExactly("tiny.second");
    assertThat(second.spans().get(0).spanId()).isEqualTo(ids.get("tiny.second"));
    assertThat(second.traceId()).isEqualTo(Long.parseUnsignedLong(traces.get("2").substring(16), 16));

    // every span taken in was handed on
    assertThat(ledger.received(Half.NATIVE)).isEqualTo(5);
    assertThat(ledger.dropped(Ledger.Stage.RECEIVE)).isZero();
  }

  private Process startApp(Path agentJar, int port) throws IOException {
    return TracerProcess.start(agentJar, port, List.of("-Ddd.profiling.enabled=false"), appOut, appErr);
  }

  private static long nanos(Instant i) {
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }
}
