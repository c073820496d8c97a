package org.xraybridge.testing;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.xraybridge.model.Secret;
import org.xraybridge.passthrough.PassThroughMetrics;
import org.xraybridge.passthrough.PassThroughSettings;
import org.xraybridge.passthrough.PassThroughStage;

/** Pass-through stages for tests: the real one, in each mode, with short timeouts. */
public final class PassThroughs {

  private PassThroughs() {}

  /** The embedded default's: everything answered as an Agent without it. */
  public static PassThroughStage none() {
    return none(PassThroughMetrics.NOOP);
  }

  public static PassThroughStage none(PassThroughMetrics metrics) {
    return new PassThroughStage(settings(PassThroughSettings.Mode.NONE, URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"),
        URI.create("http://127.0.0.1:9"), Secret.EMPTY), metrics, Clock.systemUTC());
  }

  /** Relays to the Agent at {@code agent}. */
  public static PassThroughStage agent(URI agent, PassThroughMetrics metrics) {
    return new PassThroughStage(settings(PassThroughSettings.Mode.AGENT, agent, URI.create("http://127.0.0.1:9"),
        URI.create("http://127.0.0.1:9"), Secret.EMPTY), metrics, Clock.systemUTC());
  }

  /** Profiles to {@code profiles}, telemetry under {@code telemetry}, with {@code apiKey}. */
  public static PassThroughStage intake(URI profiles, URI telemetry, Secret apiKey, PassThroughMetrics metrics) {
    return new PassThroughStage(settings(PassThroughSettings.Mode.INTAKE, URI.create("http://127.0.0.1:9"), profiles, telemetry, apiKey),
        metrics, Clock.systemUTC());
  }

  public static PassThroughSettings settings(PassThroughSettings.Mode mode, URI agent, URI profiles, URI telemetry, Secret apiKey) {
    return new PassThroughSettings(mode, agent, profiles, telemetry, apiKey, "bridge-host", "test-env", Duration.ofSeconds(30),
        Duration.ofSeconds(10), 64);
  }
}
