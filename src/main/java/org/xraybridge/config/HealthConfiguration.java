package org.xraybridge.config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.xraybridge.cluster.ClusterStatus;
import org.xraybridge.forward.ForwardMetrics.PayloadOutcome;
import org.xraybridge.forward.ForwarderStatus;
import org.xraybridge.model.StitchResult;
import org.xraybridge.ops.DropLedger;
import org.xraybridge.ops.MicrometerConnectionMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.ops.StageHealth;
import org.xraybridge.passthrough.PassThroughStatus;
import org.xraybridge.receiver.ReceiverStatus;
import org.xraybridge.source.xray.XRaySourceStatus;

/**
 * One health component per stage ({@code receiver}, {@code xray}, {@code daemon}, {@code merge},
 * {@code forward}, {@code cluster}) and {@code pipeline} with the ledger's totals, all read from state the
 * stages keep.
 */
@Configuration(proxyBeanMethods = false)
class HealthConfiguration {

  @Bean
  StageHealth receiverHealthIndicator(Pipeline p, Clock clock) {
    return new StageHealth(() -> {
      if (p.receiver == null) return Health.up().withDetail("enabled", false).build();
      ReceiverStatus s = p.receiver.status();
      return (s.running() ? Health.up() : Health.down())
          .withDetails(receiverDetails(s, p.receiverMetrics.counts(), p.receiverConnectionMetrics.counts(), clock)).build();
    });
  }

  /** The receiver's state, then its counts: requests, then connections. */
  static Map<String, Object> receiverDetails(
      ReceiverStatus status, MicrometerReceiverMetrics.Counts counts, MicrometerConnectionMetrics.Counts connections, Clock clock) {
    Map<String, Object> d = StageHealth.details(status, clock);
    d.putAll(StageHealth.details(counts, clock));
    d.putAll(StageHealth.details(connections, clock));
    return d;
  }

  /** What the bridge does not serve itself: the mode, whether the Agent answers, the requests by family and outcome. */
  @Bean
  StageHealth passThroughHealthIndicator(Pipeline p, Clock clock) {
    return new StageHealth(() -> {
      PassThroughStatus s = p.passThrough.status();
      Map<String, Object> d = new LinkedHashMap<>(StageHealth.details(s, clock));
      d.put("requests", p.passThroughMetrics.counts());
      boolean agentDown = s.mode().equals("agent") && !s.agentReachable();
      return (agentDown ? Health.status(StageHealth.DEGRADED) : Health.up()).withDetails(d).build();
    });
  }

  @Bean
  StageHealth xrayHealthIndicator(Pipeline p, Clock clock, XRayProperties props) {
    return new StageHealth(() -> {
      Health h = xrayHealth(p.xraySources.statuses(), props.source(), p.emulator == null ? "" : p.emulator.endpoint().toString(), clock);
      if (p.cluster == null || props.source() == XRayProperties.Source.OFF || !p.xraySources.statuses().isEmpty()) return h;
      String by = p.xraySources.isEmpty()
          ? "other replicas (bridge.cluster.kafka.poll-sources=false here)"
          : "other replicas (the sources group assigns none to this one now: their cluster components list the sources they own)";
      return Health.status(h.getStatus()).withDetails(h.getDetails()).withDetail("polledBy", by).build();
    });
  }

  /**
   * The {@code xray} component: each source under {@code sources.<name>} with its own status, the
   * component the worst of them, so one source in trouble shows as that source's DEGRADED while the
   * others stay UP.
   */
  static Health xrayHealth(Map<String, XRaySourceStatus> sources, XRayProperties.Source mode, String emulator, Clock clock) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("source", mode.name().toLowerCase(Locale.ROOT));
    if (!emulator.isEmpty()) d.put("emulator", emulator);
    if (sources.isEmpty()) return Health.up().withDetails(d).build();
    Map<String, Object> each = new LinkedHashMap<>();
    Status worst = Status.UP;
    for (Map.Entry<String, XRaySourceStatus> e : sources.entrySet()) {
      Status status = sourceStatus(e.getValue(), clock);
      if (rank(status) < rank(worst)) worst = status;
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("status", status.getCode());
      one.putAll(StageHealth.details(e.getValue(), clock));
      each.put(e.getKey(), one);
    }
    d.put("sources", each);
    return Health.status(worst).withDetails(d).build();
  }

  /**
   * One source: DOWN when it is not running; DEGRADED — working, but look — for an open circuit, a
   * warning, a failing checkpoint, no completed poll for 5 minutes, or polls that fail (before any
   * completed, or three in a row: a denied role, a wrong endpoint); else UP. A failure the next tick
   * gets past is not worth a look.
   */
  static Status sourceStatus(XRaySourceStatus s, Clock clock) {
    if (s.state() != XRaySourceStatus.State.RUNNING) return Status.DOWN;
    boolean stale = !s.lastPollAt().equals(Instant.EPOCH) && !s.lastSuccessfulPoll().equals(Instant.EPOCH)
        && Duration.between(s.lastSuccessfulPoll(), clock.instant()).compareTo(Duration.ofMinutes(5)) > 0;
    boolean failing = s.failedPollsInARow() >= 3 || (s.failedPollsInARow() > 0 && s.lastSuccessfulPoll().equals(Instant.EPOCH));
    if ("OPEN".equalsIgnoreCase(s.circuitState()) || !s.warning().isEmpty() || !s.checkpointError().isEmpty() || stale || failing) {
      return StageHealth.DEGRADED;
    }
    return Status.UP;
  }

  /** The order of management.endpoint.health.status.order: DOWN, OUT_OF_SERVICE, DEGRADED, UP. */
  private static int rank(Status s) {
    if (s.equals(Status.DOWN)) return 0;
    if (s.equals(Status.OUT_OF_SERVICE)) return 1;
    if (s.equals(StageHealth.DEGRADED)) return 2;
    return 3;
  }

  @Bean
  StageHealth daemonHealthIndicator(Pipeline p, Clock clock) {
    return new StageHealth(() -> {
      if (p.daemon == null) return Health.up().withDetail("enabled", false).build();
      var s = p.daemon.status();
      Map<String, Object> d = new LinkedHashMap<>(StageHealth.details(s, clock));
      d.putAll(StageHealth.details(p.daemon.levels(), clock));
      d.putAll(StageHealth.details(p.daemonMetrics.totals(), clock));
      return (s.running() ? Health.up() : Health.down()).withDetails(d).build();
    });
  }

  @Bean
  StageHealth mergeHealthIndicator(Pipeline p) {
    return new StageHealth(() -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("indexTraces", p.index.size());
      d.put("indexEvictedEarly", p.index.evictedEarly());
      d.put("indexExpired", p.index.expired());
      d.put("batchSpans", p.merge.inFlightSpans());
      Map<String, Long> outcomes = new LinkedHashMap<>();
      for (StitchResult.Outcome o : StitchResult.Outcome.values()) outcomes.put(o.tag(), p.stitchMetrics.count(o));
      d.put("stitchOutcomes", outcomes);
      return Health.up().withDetails(d).build();
    });
  }

  @Bean
  StageHealth forwardHealthIndicator(Pipeline p, Clock clock) {
    return new StageHealth(() -> {
      ForwarderStatus s = p.forwarder.status();
      boolean open = "OPEN".equalsIgnoreCase(s.circuitState()) || "FORCED_OPEN".equalsIgnoreCase(s.circuitState());
      Health.Builder b = open || s.saturated() ? Health.status(StageHealth.DEGRADED) : Health.up();
      Map<String, Object> d = StageHealth.details(s, clock);
      // counts since start: spans from the ledger, payloads from the stage's metrics
      DropLedger.Snapshot l = p.ledger.snapshot();
      long dropped = 0;
      for (Map.Entry<String, Long> e : l.drops().entrySet()) if (e.getKey().startsWith("forward.")) dropped += e.getValue();
      d.put("forwardedSpans", l.forwarded());
      d.put("droppedSpans", dropped);
      d.put("payloadsSent", p.forwardMetrics.payloads(PayloadOutcome.SENT));
      d.put("payloadsRejected", p.forwardMetrics.payloads(PayloadOutcome.REJECTED));
      d.put("payloadsSpooled", p.forwardMetrics.payloads(PayloadOutcome.SPOOLED));
      d.put("errorTracesRescued", p.forwardMetrics.errorTracesRescued());
      return b.withDetails(d).build();
    });
  }

  /** Kafka mode's replica (docs/cluster.md, "Health"); {@code mode: single} otherwise. */
  @Bean
  StageHealth clusterHealthIndicator(Pipeline p, Clock clock) {
    return new StageHealth(() -> {
      if (p.cluster == null) return Health.up().withDetail("mode", "single").build();
      ClusterStatus s = p.cluster.status();
      Health.Builder b;
      if (!s.running()) b = Health.down();
      else if (!s.rebuilding().isEmpty() || s.pausedForForward() || !s.lastError().isEmpty()) b = Health.status(StageHealth.DEGRADED);
      else b = Health.up();
      return b.withDetails(StageHealth.details(s, clock)).build();
    });
  }

  @Bean
  StageHealth pipelineHealthIndicator(Pipeline p) {
    return new StageHealth(() -> {
      DropLedger.Snapshot s = p.ledger.snapshot();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("receivedNative", s.receivedNative());
      d.put("receivedXRayPoll", s.receivedXRayPoll());
      d.put("receivedXRayDaemon", s.receivedXRayDaemon());
      d.put("receivedXRayLogs", s.receivedXRayLogs());
      d.put("recovered", s.recovered());
      if (p.cluster != null) d.put("consumed", s.consumed());
      d.put("forwarded", s.forwarded());
      if (p.cluster != null) d.put("produced", s.produced());
      d.put("dropped", s.dropped());
      d.put("drops", s.drops());
      d.put("inFlight", p.inFlightSpans());
      d.put("documentsRejected", s.documentsRejected());
      d.put("reconciliation", p.cluster == null ? "received + recovered = forwarded + dropped + inFlight"
          : "received + recovered + consumed = forwarded + produced + dropped + inFlight");
      return Health.up().withDetails(d).build();
    });
  }
}
