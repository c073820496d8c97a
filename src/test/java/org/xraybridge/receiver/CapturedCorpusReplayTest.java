package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.testing.Corpus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replays every HTTP request captured from real producers ({@code corpus/captured/*}) with its
 * recorded method, path, query, headers and body (chunked again when it was), and checks what the
 * receiver answers and hands on. Trace payloads are compared span by span, field by field, with the
 * {@code .decoded.json} (v0.4) or {@code .resolved.json} (v0.5) that an independent decoder
 * ({@code @msgpack/msgpack}) wrote from the same bytes; 64-bit integers are read exactly.
 */
class CapturedCorpusReplayTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final RecordingSink SINK = new RecordingSink();
  private static final TestLedger LEDGER = new TestLedger();
  private static AgentReceiver receiver;

  @BeforeAll
  static void start() {
    receiver = new AgentReceiver(ReceiverSettings.defaults().withPort(0), SINK, SINK, LEDGER, Clock.systemUTC());
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop();
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
      tests.add(dynamicTest(name, () -> replay(meta, m)));
    }
    assertThat(tests).as("captured HTTP requests").hasSizeGreaterThanOrEqualTo(80);
    return tests.stream();
  }

  private void replay(Path meta, JsonNode m) throws IOException {
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
    long receivedBefore = LEDGER.received();

    RawHttp.Response r;
    try (RawHttp http = new RawHttp(receiver.port())) {
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
        assertThat(LEDGER.received() - receivedBefore).isEqualTo(spans);
        assertThat(LEDGER.droppedAtReceive()).isZero();
      }
      case "/v0.6/stats" -> {
        assertThat(r.status()).isEqualTo(200);
        assertThat(SINK.stats).hasSize(statsBefore + 1);
        assertThat(SINK.stats.get(statsBefore)).isEqualTo(body);
        assertThat(SINK.statsTracers.get(statsBefore).tracerVersion()).isEqualTo(byName.get("Datadog-Meta-Tracer-Version"));
      }
      default -> {
        if (path.startsWith("/telemetry/proxy/")) {
          assertThat(r.status()).isEqualTo(202);
        } else {
          // /v0.7/config is not advertised (no remote configuration), the rest is not the Agent's API
          assertThat(r.status()).isEqualTo(404);
        }
        assertThat(SINK.offers).hasSize(offersBefore);
      }
    }
    if (!path.equals("/info")) {
      assertThat(r.header(AgentReceiver.AGENT_VERSION_HEADER)).isEqualTo(InfoDocument.AGENT_VERSION);
    }
  }

  private static void assertTraces(List<TraceChunk> chunks, JsonNode expected, Map<String, String> headers) {
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(chunks).as("traces").hasSize(expected.size());
    for (int t = 0; t < Math.min(chunks.size(), expected.size()); t++) {
      TraceChunk c = chunks.get(t);
      JsonNode spans = expected.get(t);
      soft.assertThat(c.spans()).as("trace %d spans", t).hasSize(spans.size());
      soft.assertThat(c.half()).isEqualTo(Half.NATIVE);
      soft.assertThat(c.tracer().language()).isEqualTo(headers.get("Datadog-Meta-Lang"));
      soft.assertThat(c.tracer().languageVersion()).isEqualTo(headers.get("Datadog-Meta-Lang-Version"));
      soft.assertThat(c.tracer().tracerVersion()).isEqualTo(headers.get("Datadog-Meta-Tracer-Version"));
      JsonNode root = null;
      for (int s = 0; s < Math.min(c.spans().size(), spans.size()); s++) {
        JsonNode e = spans.get(s);
        Span a = c.spans().get(s);
        String at = "trace " + t + " span " + s + " ";
        soft.assertThat(a.service()).as(at + "service").isEqualTo(e.path("service").asString());
        soft.assertThat(a.name()).as(at + "name").isEqualTo(e.path("name").asString());
        soft.assertThat(a.resource()).as(at + "resource").isEqualTo(e.path("resource").asString());
        soft.assertThat(a.traceId()).as(at + "trace_id").isEqualTo(e.path("trace_id").bigIntegerValue().longValue());
        soft.assertThat(a.spanId()).as(at + "span_id").isEqualTo(e.path("span_id").bigIntegerValue().longValue());
        soft.assertThat(a.parentId()).as(at + "parent_id").isEqualTo(e.path("parent_id").bigIntegerValue().longValue());
        soft.assertThat(a.startNanos()).as(at + "start").isEqualTo(e.path("start").bigIntegerValue().longValue());
        soft.assertThat(a.durationNanos()).as(at + "duration").isEqualTo(e.path("duration").longValue());
        soft.assertThat(a.error()).as(at + "error").isEqualTo(e.path("error").intValue());
        soft.assertThat(a.type()).as(at + "type").isEqualTo(e.path("type").isNull() ? "" : e.path("type").asString());
        Map<String, String> meta = new TreeMap<>();
        for (Map.Entry<String, JsonNode> kv : e.path("meta").properties()) meta.put(kv.getKey(), kv.getValue().asString());
        soft.assertThat(new TreeMap<>(a.meta())).as(at + "meta").isEqualTo(meta);
        Map<String, Double> metrics = new TreeMap<>();
        for (Map.Entry<String, JsonNode> kv : e.path("metrics").properties()) metrics.put(kv.getKey(), kv.getValue().doubleValue());
        soft.assertThat(new TreeMap<>(a.metrics())).as(at + "metrics").isEqualTo(metrics);
        soft.assertThat(a.metaStruct()).as(at + "meta_struct").isEmpty();
        soft.assertThat(a.spanLinks()).as(at + "span_links").isEmpty();
        soft.assertThat(c.traceId()).as(at + "chunk trace id").isEqualTo(a.traceId());
        if (e.path("parent_id").asLong() == 0) root = e;
      }
      if (root != null) {
        JsonNode p = root.path("metrics").path(Priority.METRIC);
        soft.assertThat(c.priority()).as("trace %d priority", t).isEqualTo(p.isMissingNode() ? Priority.NONE : p.intValue());
        soft.assertThat(c.env()).as("trace %d env", t).isEqualTo(root.path("meta").path("env").asString());
        soft.assertThat(c.origin()).as("trace %d origin", t).isEqualTo(root.path("meta").path("_dd.origin").asString(""));
      }
    }
    soft.assertAll();
  }
}
