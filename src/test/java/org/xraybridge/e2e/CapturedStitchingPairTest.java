package org.xraybridge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.config.TestPipelines;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.StitchResult;
import org.xraybridge.testing.Corpus;

/**
 * The one real mixed trace of the corpus (captured/README.md "Stitching pair"): the v0.4 payload
 * dd-java-agent 1.68.1 sent, whose {@code http.request} span injected
 * {@code Root=1-6b0bb2f8-00000000780c0c87013a95e4;Parent=2d5a03ff0ff00ee8}, and the segments the X-Ray
 * SDKs for Java and Node made continuing that header. Replayed through the production pipeline.
 */
class CapturedStitchingPairTest {

  static final long NATIVE_TRACE = 8650302758252615140L;
  static final long CLIENT_SPAN = 3267928873629650664L;
  static final String TID = "6b0bb2f800000000";

  @TempDir Path dir;

  @Test
  void sameEnv_xrayHalvesJoinTheTracersTrace() throws Exception {
    List<StitchResult> results = new CopyOnWriteArrayList<>();
    try (TestPipelines.Running bridge = TestPipelines.embedded(dir, "capture-env", recording(results))) {
      replay(bridge);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(results).hasSize(1));
      bridge.flush();
      assertThat(results.get(0).outcome()).isEqualTo(StitchResult.Outcome.JOINED);
      List<Span> trace = bridge.forwardedByTrace().get(NATIVE_TRACE);
      List<Span> xray = trace.stream().filter(s -> s.meta().containsKey("aws.xray.trace_id")).toList();
      assertThat(xray).extracting(Span::service).contains("payments-service", "node-orders-api");
      assertThat(xray).filteredOn(s -> s.name().equals("http.server.request"))
          .hasSize(2).allSatisfy(s -> assertThat(s.parentId()).isEqualTo(CLIENT_SPAN));
      assertThat(trace).extracting(Span::spanId).contains(CLIENT_SPAN);
      assertThat(xray).allSatisfy(s -> assertThat(s.meta()).containsEntry("env", "capture-env"));
      assertThat(xray.get(0).meta()).containsEntry("_dd.p.tid", TID);
    }
  }

  @Test
  void defaultEnv_isNotTheTracersEnv_soTheHalvesDoNotJoin() throws Exception {
    List<StitchResult> results = new CopyOnWriteArrayList<>();
    try (TestPipelines.Running bridge = TestPipelines.embedded(dir, "none", recording(results))) {
      replay(bridge);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(results).hasSize(1));
      assertThat(results.get(0).outcome()).isEqualTo(StitchResult.Outcome.ENV_MISMATCH);
      assertThat(results.get(0).indexEnv()).isEqualTo("capture-env");
      bridge.flush();
      List<Span> xray = bridge.forwardedByTrace().get(NATIVE_TRACE).stream().filter(s -> s.meta().containsKey("aws.xray.trace_id")).toList();
      assertThat(xray).isNotEmpty().allSatisfy(s -> assertThat(s.meta()).containsEntry("env", "none").doesNotContainKey("_dd.p.tid"));
    }
  }

  private static StitchListener recording(List<StitchResult> results) {
    return new StitchListener() {
      @Override
      public void xray(ConvertedTrace trace, StitchResult result, int duplicates) {
        results.add(result);
      }
    };
  }

  private static void replay(TestPipelines.Running bridge) throws Exception {
    byte[] payload = Files.readAllBytes(Corpus.file("captured/dd-java-agent_v04/0011-http-PUT-v0_4_traces.bin"));
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.receiverPort() + "/v0.4/traces"))
            .header("Content-Type", "application/msgpack").header("X-Datadog-Trace-Count", "5")
            .header("Datadog-Meta-Lang", "java").PUT(HttpRequest.BodyPublishers.ofByteArray(payload)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("rate_by_service");
    await().atMost(Duration.ofSeconds(10)).until(() -> bridge.ledger().receivedNative() > 0);
    bridge.store().put(List.of(
        Files.readString(Corpus.file("captured/xray-sdk-java_segment/0005-udp-segment.json")),
        Files.readString(Corpus.file("captured/xray-sdk-node_segment/0005-udp-segment.json"))));
  }
}
