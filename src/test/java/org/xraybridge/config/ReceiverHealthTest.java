package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xraybridge.ops.MicrometerConnectionMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.receiver.ConnectionMetrics;
import org.xraybridge.receiver.ReceiverMetrics.Refusal;
import org.xraybridge.receiver.ReceiverStatus;

/**
 * The receiver's health component shows its state and every count under the names it always had
 * (the load bench and dashboards read them), and Prometheus sees the same counts.
 */
class ReceiverHealthTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T05:07:05Z"), ZoneOffset.UTC);

  @Test
  void details_nameEveryCountAsBefore_andTheMetersAgree() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(registry);
    metrics.incrementRequests();
    metrics.incrementRequests();
    metrics.incrementAcceptedPayloads(3);
    metrics.requestRefused(Refusal.OVERLOADED);
    metrics.incrementRefusedPayloads(2);
    metrics.incrementRefusedPayloads(-1);
    ReceiverStatus status = new ReceiverStatus(true, 8126, 4, CLOCK.instant(), "Overloaded: x", CLOCK.instant());

    MicrometerConnectionMetrics connections = new MicrometerConnectionMetrics(registry, "bridge.receiver");
    connections.refused(ConnectionMetrics.Refused.LIMIT);
    connections.refused(ConnectionMetrics.Refused.PER_ADDRESS);
    connections.closed(ConnectionMetrics.Closed.HEADER_TIMEOUT);
    connections.closed(ConnectionMetrics.Closed.EVICTED);
    connections.closed(ConnectionMetrics.Closed.EVICTED);
    connections.open(() -> 7);

    Map<String, Object> d = HealthConfiguration.receiverDetails(status, metrics.counts(), connections.counts(), CLOCK);

    assertThat(d).containsOnlyKeys("running", "port", "openConnections", "requests", "infoRequests", "tracePayloads",
        "acceptedPayloads", "acceptedSpans", "lastAcceptedAt", "malformedRequests", "oversizedRequests",
        "overloadedRequests", "refusedPayloads", "refusedTraces", "timedOutRequests", "notFoundRequests",
        "forbiddenRequests", "abortedRequests", "refusedConnections", "traceCountMismatches", "statsPayloads",
        "lastError", "lastErrorAt", "refusedPerAddress", "headerTimeouts", "idleTimeouts", "evictedConnections");
    assertThat(d).containsEntry("requests", 2L).containsEntry("acceptedSpans", 3L).containsEntry("overloadedRequests", 1L)
        .containsEntry("refusedPayloads", 2L).containsEntry("refusedTraces", 2L).containsEntry("openConnections", 4)
        .containsEntry("lastError", "Overloaded: x")
        .containsEntry("refusedConnections", 2L).containsEntry("refusedPerAddress", 1L).containsEntry("headerTimeouts", 1L)
        .containsEntry("idleTimeouts", 0L).containsEntry("evictedConnections", 2L);
    assertThat(registry.get("bridge.receiver.requests").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("bridge.receiver.requests.refused").tag("reason", "overloaded").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("bridge.receiver.requests.refused").tag("reason", "timed_out").functionCounter().count()).isZero();
    assertThat(registry.get("bridge.receiver.trace.payloads").tag("outcome", "refused").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("bridge.receiver.spans.accepted").functionCounter().count()).isEqualTo(3);
    assertThat(registry.get("bridge.receiver.connections.refused").tag("reason", "limit").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("bridge.receiver.connections.refused").tag("reason", "per_address").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("bridge.receiver.connections.closed").tag("reason", "evicted").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("bridge.receiver.connections.closed").tag("reason", "idle_timeout").functionCounter().count()).isZero();
    assertThat(registry.get("bridge.receiver.connections.open").gauge().value()).isEqualTo(7);
  }
}
