package org.xraybridge.forward;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xraybridge.forward.delivery.Payload;
import org.xraybridge.forward.delivery.PayloadKind;
import org.xraybridge.forward.intake.StatsConcentrator;
import org.xraybridge.model.TracerInfo;

/**
 * The stats the forward stage sends, as payloads: a tracer's {@code /v0.6/stats} body, passed to an
 * Agent unchanged or wrapped for the intake with {@code ClientComputed: true}; and, in intake mode,
 * the buckets our own concentrator closed (docs/forward.md, "APM stats"). The receiver checked each
 * tracer body (one msgpack map) before it got here. Stats carry no spans: nothing to account for.
 *
 * <p>Thread-safe (the concentrator is synchronized; the rest is immutable).
 */
final class StatsPayloads {
  /** How often closed buckets are sent, as the Agent does. */
  static final Duration FLUSH_INTERVAL = Duration.ofSeconds(10);
  /** Bound on open stats groups (memory). */
  static final int MAX_GROUPS = 100_000;

  private final boolean intake;
  /** Intake mode only: an Agent computes its own stats from the spans it receives. */
  private final StatsConcentrator concentrator;
  private final String hostname;
  private final String env;
  private final String agentVersion;

  /** For an Agent: client stats only. */
  static StatsPayloads forAgent() {
    return new StatsPayloads(false, null, "", "", "");
  }

  /** For the intake: client stats wrapped, and the concentrator's buckets. */
  static StatsPayloads forIntake(StatsConcentrator concentrator, String hostname, String env, String agentVersion) {
    return new StatsPayloads(true, concentrator, hostname, env, agentVersion);
  }

  private StatsPayloads(boolean intake, StatsConcentrator concentrator, String hostname, String env, String agentVersion) {
    this.intake = intake;
    this.concentrator = concentrator;
    this.hostname = hostname;
    this.env = env;
    this.agentVersion = agentVersion;
  }

  /** Whether there are buckets of our own to flush every {@link #FLUSH_INTERVAL}. */
  boolean computesStats() {
    return concentrator != null;
  }

  /** A tracer's {@code /v0.6/stats} body, for the next hop. */
  Payload clientStats(byte[] body, TracerInfo tracer) {
    if (intake) {
      return new Payload(PayloadKind.INTAKE_STATS, StatsConcentrator.wrapClientStats(body, hostname, env, agentVersion),
          false, headers(tracer.language()), 0, new long[0]);
    }
    return new Payload(PayloadKind.AGENT_STATS, body.clone(), false, AgentAssembler.tracerHeaders(tracer), 0, new long[0]);
  }

  /** The buckets that closed, or every open one when {@code all} (shutdown). */
  List<Payload> closedBuckets(boolean all) {
    if (concentrator == null) return List.of();
    List<byte[]> bodies = concentrator.flush(all);
    List<Payload> out = new ArrayList<>(bodies.size());
    for (int i = 0; i < bodies.size(); i++) {
      out.add(new Payload(PayloadKind.INTAKE_STATS, bodies.get(i), false, headers(""), 0, new long[0]));
    }
    return out;
  }

  private static Map<String, String> headers(String language) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/msgpack");
    h.put("X-Datadog-Reported-Languages", language);
    return h;
  }
}
