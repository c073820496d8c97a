package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.model.Span;
import org.xraybridge.source.xray.XRaySourceStatus;

/**
 * {@code bridge.demo.transaction-search=true}: the embedded default's account has Transaction Search
 * on, its X-Ray half lands in {@code aws/spans}, and the source finds that out by itself (the default
 * {@code transaction-search=auto}), reads the spans by the logs path and joins them with the demo's
 * native half — what a newcomer sees on the page.
 */
class TransactionSearchDemoTest {

  @TempDir Path dir;

  @Test
  void embeddedDefault_onATransactionSearchAccount_showsTracesJoinedFromAwsSpans() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (TestPipelines.Running bridge = TestPipelines.demo(dir, "demo", port, true)) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> joined(bridge) != null);

      List<Span> trace = joined(bridge);
      assertThat(trace).filteredOn(s -> s.service().equals("payments-service")).isNotEmpty()
          .allSatisfy(s -> assertThat(s.meta()).containsKey("otel.trace_id")); // the aws/spans form, §8
      XRaySourceStatus source = bridge.xraySources().get("default");
      assertThat(source.path()).isEqualTo("logs");
      assertThat(source.segmentDestination()).isEqualTo("CloudWatchLogs");
      assertThat(source.warning()).isEmpty();
      assertThat(bridge.ledger().receivedXRayLogs()).isPositive();
      assertThat(bridge.ledger().receivedXRayPoll()).isZero();
    }
  }

  /** A forwarded trace with both the demo's native half (checkout-service) and its X-Ray half, or null. */
  private static List<Span> joined(TestPipelines.Running bridge) {
    for (Map.Entry<Long, List<Span>> t : bridge.forwardedByTrace().entrySet()) {
      List<Span> spans = t.getValue();
      boolean nativeHalf = spans.stream().anyMatch(s -> s.service().equals("checkout-service"));
      boolean xrayHalf = spans.stream().anyMatch(s -> s.meta().containsKey("aws.xray.trace_id"));
      if (nativeHalf && xrayHalf) return spans;
    }
    return null;
  }
}
