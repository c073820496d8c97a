package org.xraybridge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.testing.BridgeProcess;
import org.xraybridge.testing.FakeAgent;
import org.xraybridge.testing.RawHttp;

/**
 * The packaged jar with {@code -Xmx256m} in agent mode in front of a {@link FakeAgent}: a 50 MB
 * profile, sent chunked as dd-java-agent's profiler sends it, streams through to the Agent whole and
 * byte for byte: the Agent is reading it while it is still being sent, and the bridge's heap stays
 * far below the body's size.
 */
class PassThroughIT {

  private static final long PROFILE_BYTES = 50L << 20;

  @TempDir Path dir;

  @Test
  void a50MbProfile_streamsThroughABridgeWith256MbOfHeap() throws Exception {
    try (FakeAgent agent = FakeAgent.start();
        BridgeProcess bridge = BridgeProcess.in(dir).jvmArgs(List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"))
            .args("--bridge.forward.target=agent", "--bridge.forward.agent-url=" + agent.url(), "--bridge.xray.source=off",
                "--bridge.demo.enabled=false")
            .start()) {
      assertThat(bridge.awaitUp(Duration.ofSeconds(60))).as("the bridge starts; see %s", bridge.log).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> infoHasRemoteConfig(bridge.receiverPort));

      AtomicLong peakHeap = new AtomicLong();
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          double heap = bridge.metric("jvm.memory.used", "area:heap");
          if (!Double.isNaN(heap)) peakHeap.accumulateAndGet((long) heap, Math::max);
          sleep(200);
        }
      });
      sampler.start();
      MessageDigest sha = FakeAgent.sha256();
      long t0 = System.nanoTime();
      RawHttp.Response answer;
      try (RawHttp http = new RawHttp(bridge.receiverPort)) {
        http.send("POST", "/profiling/v1/input", RawHttp.headers("Content-Type", "multipart/form-data; boundary=x",
            "DD-EVP-ORIGIN", "dd-trace-java", "Transfer-Encoding", "chunked"), null);
        Random random = new Random(50);
        byte[] chunk = new byte[64 * 1024];
        long atTheAgentMidway = -1;
        for (long sent = 0; sent < PROFILE_BYTES; sent += chunk.length) {
          if (sent == PROFILE_BYTES * 4 / 5) {
            // streaming, not stored and then forwarded: the Agent has much of it before the end is sent
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.bodyBytesRead.get() > PROFILE_BYTES / 2);
            atTheAgentMidway = agent.bodyBytesRead.get();
          }
          random.nextBytes(chunk);
          sha.update(chunk);
          http.sendRaw((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          http.sendRaw(chunk);
          http.sendRaw("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        http.sendRaw("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        answer = http.read();
        assertThat(atTheAgentMidway).as("bytes at the Agent with a fifth still to send").isGreaterThan(PROFILE_BYTES / 2);
      } finally {
        sampling.set(false);
        sampler.join();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;

      assertThat(answer.status()).isEqualTo(200);
      FakeAgent.Request got = agent.to("/profiling/v1/input").get(0);
      assertThat(got.length()).isEqualTo(PROFILE_BYTES);
      assertThat(got.sha256()).as("byte for byte").isEqualTo(HexFormat.of().formatHex(sha.digest()));
      assertThat(got.header("DD-EVP-ORIGIN")).isEqualTo("dd-trace-java");
      assertThat(bridge.alive()).isTrue();
      assertThat(peakHeap.get()).as("peak heap bytes while 50 MB streamed through").isPositive().isLessThan(200L << 20);
      System.out.printf("50 MB profile through the bridge: %.1f s, peak heap %d MB, RSS %d MB%n", seconds, peakHeap.get() >> 20,
          bridge.procStatusKb("VmRSS") >> 10);
    }
  }

  @Test
  void intakeMode_profilesAndTelemetryGoToTheOverriddenIntakeUrls_withTheKey_remoteConfigIs404() throws Exception {
    String key = "c0ffee" + Long.toHexString(System.nanoTime()) + "feed";
    try (FakeAgent intake = FakeAgent.start();
        BridgeProcess bridge = BridgeProcess.in(dir)
            .args("--bridge.forward.target=intake", "--bridge.forward.intake-url=" + intake.url(),
                "--bridge.forward.profile-intake-url=" + intake.url() + "/api/v2/profile",
                "--bridge.forward.telemetry-intake-url=" + intake.url(), "--bridge.xray.source=off", "--bridge.demo.enabled=false")
            .env(java.util.Map.of("DD_API_KEY", key))
            .start()) {
      assertThat(bridge.awaitUp(Duration.ofSeconds(60))).as("the bridge starts; see %s", bridge.log).isTrue();
      byte[] telemetry = "{\"request_type\":\"app-started\"}".getBytes(StandardCharsets.UTF_8);
      try (RawHttp http = new RawHttp(bridge.receiverPort)) {
        assertThat(http.exchange("POST", "/profiling/v1/input", RawHttp.headers("Content-Type", "multipart/form-data; boundary=x"),
            "--x--\r\n".getBytes(StandardCharsets.US_ASCII)).status()).isEqualTo(200);
        assertThat(http.exchange("POST", "/telemetry/proxy/api/v2/apmtelemetry", RawHttp.headers("Content-Type", "application/json"),
            telemetry).status()).isEqualTo(200);
        assertThat(http.exchange("POST", "/v0.7/config", List.of(), "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
      }
      assertThat(intake.to("/api/v2/profile")).singleElement().satisfies(r -> assertThat(r.header("DD-API-KEY")).isEqualTo(key));
      assertThat(intake.to("/api/v2/apmtelemetry")).singleElement().satisfies(r -> {
        assertThat(r.header("DD-API-KEY")).isEqualTo(key);
        assertThat(r.body()).isEqualTo(telemetry);
      });
      assertThat(intake.to("/v0.7/config")).isEmpty();
      String health = bridge.body("/actuator/health");
      assertThat(health).contains("\"passThrough\"").contains("\"mode\":\"intake\"").doesNotContain(key);
      assertThat(bridge.body("/actuator/prometheus"))
          .contains("bridge_passthrough_requests_total{family=\"remote_config\",outcome=\"unsupported\"} 1.0")
          .contains("bridge_passthrough_requests_total{family=\"telemetry\",outcome=\"intake\"} 1.0");
      assertThat(bridge.output()).doesNotContain(key);
    }
  }

  private static boolean infoHasRemoteConfig(int port) {
    try (RawHttp http = new RawHttp(port)) {
      return http.exchange("GET", "/info", List.of(), null).text().contains("/v0.7/config");
    } catch (IOException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
