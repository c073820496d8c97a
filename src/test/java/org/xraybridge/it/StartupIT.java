package org.xraybridge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.testing.BridgeProcess;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's promise, on the packaged jar: started with no configuration it needs no AWS or Datadog
 * account, serves health UP within 60 s and shows merged traces; a bad value stops it with one line
 * naming the key; the API key never shows anywhere.
 */
class StartupIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path dir;

  @Test
  void embeddedDefault_healthUpWithin60s_mergesTraces_andStopsGracefully() throws Exception {
    try (BridgeProcess bridge = BridgeProcess.in(dir).start()) {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> bridge.response("/actuator/health").body().contains("\"status\":\"UP\""));
      assertThat(bridge.output()).contains("EMBEDDED mode").contains("no AWS or Datadog account needed");
      BridgeProcess.Response liveness = bridge.response("/actuator/health/liveness");
      assertThat(liveness.status()).as(liveness.error()).isEqualTo(200);
      BridgeProcess.Response readiness = bridge.response("/actuator/health/readiness");
      assertThat(readiness.status()).as(readiness.error()).isEqualTo(200);
      // the demo plays both halves: a joined trace and a not-joined one appear in the explain view
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        JsonNode list = JSON.readTree(bridge.response("/api/traces?limit=100").body());
        assertThat(list.path("traces").valueStream().map(t -> t.path("status").asString())).contains("joined", "env_mismatch");
      });
      assertThat(bridge.response("/").body()).contains("<html");
      String prometheus = bridge.response("/actuator/prometheus").body();
      assertThat(prometheus).contains("bridge_spans_received_total").contains("bridge_spans_dropped_total{reason=\"malformed\",stage=\"receive\"}");
      assertThat(bridge.terminate()).isIn(0, 143);
      assertThat(bridge.output()).contains("stopped: taken in");
    }
  }

  @Test
  void ddSiteWithAScheme_exitsNonZero_withOneLineNamingDdSite() throws Exception {
    try (BridgeProcess bridge = BridgeProcess.in(dir).env(Map.of("DD_SITE", "https://datadoghq.com")).start()) {
      int exit = bridge.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).isNotIn(0, -1);
      String out = bridge.output().strip();
      String last = out.substring(out.lastIndexOf('\n') + 1);
      assertThat(last).startsWith("configuration error:").contains("DD_SITE").contains("https://datadoghq.com").contains("without a scheme");
    }
  }

  @Test
  void agentUrlPointingAtTheOwnReceiver_isRefused() throws Exception {
    int port = BridgeProcess.freePort();
    try (BridgeProcess bridge = BridgeProcess.in(dir).receiverPort(port).env(Map.of(
        "BRIDGE_FORWARD_TARGET", "agent", "BRIDGE_FORWARD_AGENT_URL", "http://localhost:" + port)).start()) {
      assertThat(bridge.awaitExit(Duration.ofSeconds(60))).isNotIn(0, -1);
      String out = bridge.output().strip();
      assertThat(out.substring(out.lastIndexOf('\n') + 1)).startsWith("configuration error: bridge.forward.agent-url").contains("loop");
    }
  }

  /**
   * A URL that carries a credential and fails to bind (a space in it): neither Spring's start-up
   * report nor the bridge's one line quotes it.
   */
  @Test
  void agentUrlCarryingACredential_thatFailsToBind_isNeverPrinted() throws Exception {
    String key = "5ec7e7" + Long.toHexString(System.nanoTime());
    try (BridgeProcess bridge = BridgeProcess.in(dir).env(Map.of(
        "BRIDGE_FORWARD_TARGET", "agent", "BRIDGE_FORWARD_AGENT_URL", "http://agent:8126/?api_key=" + key + "&x=a b")).start()) {
      assertThat(bridge.awaitExit(Duration.ofSeconds(60))).isNotIn(0, -1);
      String out = bridge.output().strip();
      assertThat(out).doesNotContain(key);
      assertThat(out.substring(out.lastIndexOf('\n') + 1)).startsWith("configuration error: bridge.forward.agent-url");
    }
  }

  @Test
  void fakeApiKey_isUsedOnTheWire_butNeverPrinted() throws Exception {
    String key = "f00dfeed" + Long.toHexString(System.nanoTime()) + "c0ffee42";
    CopyOnWriteArrayList<String> seenKeys = new CopyOnWriteArrayList<>();
    HttpServer intake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    intake.createContext("/", exchange -> {
      String k = exchange.getRequestHeaders().getFirst("DD-API-KEY");
      if (k != null) seenKeys.add(k);
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(202, -1);
      exchange.close();
    });
    intake.start();
    AtomicReference<String> all = new AtomicReference<>("");
    try (BridgeProcess bridge = BridgeProcess.in(dir).env(Map.of(
        "DD_API_KEY", key,
        "BRIDGE_FORWARD_TARGET", "intake",
        "BRIDGE_FORWARD_INTAKE_URL", "http://127.0.0.1:" + intake.getAddress().getPort()))
        .args("--bridge.forward.retry-budget=1s", "--logging.level.org.xraybridge=DEBUG").start()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> bridge.response("/actuator/health").body().contains("\"status\":\"UP\""));
      await().atMost(Duration.ofSeconds(60)).until(() -> seenKeys.contains(key));
      StringBuilder everything = new StringBuilder();
      for (String path : new String[] {"/actuator/health", "/actuator/env", "/actuator/configprops", "/actuator/prometheus",
          "/actuator/metrics", "/actuator/env/bridge.forward.api-key", "/actuator/env/DD_API_KEY", "/api/traces", "/actuator/info"}) {
        BridgeProcess.Response r = bridge.response(path);
        everything.append(path).append(' ').append(r.status()).append('\n').append(r.body()).append('\n');
      }
      bridge.terminate();
      everything.append(bridge.output());
      all.set(everything.toString());
    } finally {
      intake.stop(0);
    }
    assertThat(all.get()).contains("/actuator/env 200").contains("/actuator/configprops 200").doesNotContain(key);
  }
}
