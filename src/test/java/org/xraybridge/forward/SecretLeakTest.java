package org.xraybridge.forward;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.forward.ForwardMetrics.PayloadOutcome;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Secret;
import org.xraybridge.ops.MicrometerForwardMetrics;

/**
 * The API key must not appear in a log line (ours, resilience4j's, the JDK HTTP client's), an
 * exception message, the status snapshot, the settings' toString or a spool file — including when
 * the next hop fails and when it echoes the key back. (A configuration error never quotes it either:
 * config.ForwardPropertiesTest.)
 */
class SecretLeakTest {
  private static final String KEY = "f00dfeed4242cafe0123456789abcdef";
  @TempDir Path spoolDir;
  private FakeHop hop;
  private Forwarder forwarder;
  private final MicrometerForwardMetrics metrics = new MicrometerForwardMetrics(new SimpleMeterRegistry());

  @AfterEach
  void tearDown() {
    if (forwarder != null) forwarder.stop(Duration.ofMillis(500));
    if (hop != null) hop.close();
  }

  private ForwardSettings settings(URI url) {
    return TestSettings.intake(url, Secret.of(KEY), spoolDir)
        .connectTimeout(Duration.ofMillis(200))
        .retry(5, Duration.ofMillis(5), Duration.ofMillis(20))
        .retryBudget(Duration.ofMillis(200))
        .circuit(50, 4, 2, Duration.ofMillis(100), 2)
        .build();
  }

  private Forwarder forwarder(URI url) {
    return new Forwarder(settings(url), Ledger.NONE, metrics, Clock.systemUTC());
  }

  @Test
  void failuresOfEveryKind_neverPrintTheKeyAnywhere() throws Exception {
    try (LogCapture logs = new LogCapture(Level.TRACE)) {
      hop = FakeHop.start();
      forwarder = forwarder(hop.url());
      forwarder.start();

      // 1. the hop echoes the key in a rejection
      hop.answer(r -> new FakeHop.Answer(403, "Forbidden: API key " + KEY + " is not valid for this site"));
      send(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> metrics.payloads(PayloadOutcome.REJECTED) >= 1);
      assertThat(hop.requests.get(0).header("DD-API-KEY")).as("the key did go on the wire").isEqualTo(KEY);

      // 2. it fails with the key in a query-style echo
      hop.answer(r -> new FakeHop.Answer(503, "upstream said api_key=" + KEY + "&retry=1"));
      send(2);
      await().atMost(Duration.ofSeconds(5)).until(() -> forwarder.status().spoolPayloads() >= 1);
      assertThat(forwarder.status().lastFailure()).contains("HTTP 503").contains("<redacted>");

      // 3. it goes away altogether
      hop.down();
      send(3);
      await().atMost(Duration.ofSeconds(5)).until(() -> forwarder.status().spoolPayloads() >= 2);

      ForwarderStatus status = forwarder.status();
      forwarder.stop(Duration.ofSeconds(1));
      forwarder = null;

      assertThat(logs.lines()).as("log lines").isNotEmpty().noneMatch(l -> l.contains(KEY));
      assertThat(logs.lines()).anyMatch(l -> l.contains("HTTP 403") && l.contains("<redacted>"));
      assertThat(status.toString()).doesNotContain(KEY);
      assertThat(settings(hop.url()).toString()).doesNotContain(KEY).contains("<redacted>");
      try (Stream<Path> files = Files.list(spoolDir)) {
        for (Path p : files.toList()) {
          assertThat(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)).as("spool file %s", p)
              .doesNotContain(KEY);
        }
      }
    }
  }

  @Test
  void jdkHttpClientHeaderLogging_refusedAtStartBecauseItWouldPrintTheKey() throws IOException {
    hop = FakeHop.start();
    String previous = System.getProperty("jdk.httpclient.HttpClient.log");
    System.setProperty("jdk.httpclient.HttpClient.log", "errors,requests,headers");
    try {
      Forwarder f = forwarder(hop.url());
      assertThatThrownBy(f::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("jdk.httpclient.HttpClient.log")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY));
      f.stop(Duration.ZERO);
    } finally {
      if (previous == null) System.clearProperty("jdk.httpclient.HttpClient.log");
      else System.setProperty("jdk.httpclient.HttpClient.log", previous);
    }
  }

  private void send(int i) {
    forwarder.submit(TestTraces.batch(TestTraces.simple(i, i * 100L, 2, TestTraces.JAVA, Priority.USER_KEEP)));
    forwarder.flush();
  }
}
