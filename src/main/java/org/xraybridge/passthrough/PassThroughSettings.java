package org.xraybridge.passthrough;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.xraybridge.model.Secret;

/**
 * The pass-through's constructor arguments; {@code config} maps them from {@code bridge.forward.*},
 * which holds every rule (docs/receiver.md, "Everything else a tracer sends").
 *
 * @param mode where requests go
 * @param agentUrl the Agent ({@link Mode#AGENT})
 * @param profileIntakeUrl where profiles go ({@link Mode#INTAKE}): {@code https://intake.profile.<site>/api/v2/profile}
 * @param telemetryIntakeUrl the telemetry intake's base ({@link Mode#INTAKE}): {@code
 *     https://instrumentation-telemetry-intake.<site>}; the path after {@code /telemetry/proxy} follows it
 * @param apiKey sent to the intake only, never to the Agent, never printed
 * @param hostname the bridge's host name for the intake's tags; {@code ""} for none
 * @param env the default env the intake is told (the Agent's {@code default_env})
 * @param infoRefresh how often the Agent's {@code /info} is read again (tracers re-read theirs at most every minute)
 * @param responseTimeout the longest wait for a next hop's answer, and between its bytes; also the longest a
 *     next hop may take none of a request body it is sent
 * @param maxConnections connections to each next hop at most; more requests wait for one
 */
public record PassThroughSettings(
    Mode mode,
    URI agentUrl,
    URI profileIntakeUrl,
    URI telemetryIntakeUrl,
    Secret apiKey,
    String hostname,
    String env,
    Duration infoRefresh,
    Duration responseTimeout,
    int maxConnections) {

  /** Where what the bridge does not serve itself goes. */
  public enum Mode {
    /** Relayed to the Agent, its answer back to the tracer. */
    AGENT,
    /** Profiles and telemetry to Datadog's intake with the API key; the rest answered as an Agent without it. */
    INTAKE,
    /** Answered as an Agent without those features (the embedded default). */
    NONE
  }

  public PassThroughSettings {
    Objects.requireNonNull(mode, "mode == null");
    Objects.requireNonNull(agentUrl, "agentUrl == null");
    Objects.requireNonNull(profileIntakeUrl, "profileIntakeUrl == null");
    Objects.requireNonNull(telemetryIntakeUrl, "telemetryIntakeUrl == null");
    Objects.requireNonNull(apiKey, "apiKey == null");
    Objects.requireNonNull(hostname, "hostname == null");
    Objects.requireNonNull(env, "env == null");
    Objects.requireNonNull(infoRefresh, "infoRefresh == null");
    Objects.requireNonNull(responseTimeout, "responseTimeout == null");
  }
}
