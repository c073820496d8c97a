package org.xraybridge.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.xraybridge.model.Secret;

/**
 * {@code bridge.forward.*}: where stitched traces go.
 *
 * <p>The one validated record of the forward stage: every rule here, once, naming its key;
 * config/Pipeline maps it to the stage's {@code ForwardSettings}.
 *
 * @param target {@code embedded} (the demo's in-process Agent-compatible sink, spoken to as to an
 *     Agent), {@code agent} (msgpack v0.4 to a Datadog Agent) or {@code intake} (protobuf straight to
 *     Datadog, with APM stats)
 * @param agentUrl the Agent, never this bridge's own receiver
 * @param site {@code DD_SITE}: a site name without scheme (datadoghq.com, datadoghq.eu, …)
 * @param intakeUrl override of {@code https://trace.agent.<site>} (tests, proxies)
 * @param apiKey {@code DD_API_KEY}, required for {@code intake}; never printed
 * @param spoolDir payloads that could not be delivered wait here while the next hop is down
 * @param spoolMaxBytes beyond it the oldest spooled payload is dropped (and counted)
 * @param queueMaxBytes the in-memory queue between merge and senders; full → back-pressure
 * @param retryBudget how long one payload is retried before it is spooled
 * @param shutdownTimeout how long shutdown flushes before spooling the rest
 * @param errorsPerSecond intake mode: traces a tracer sampled out that hold an error, sent anyway up to
 *     this many a second (the Agent's errors sampler, default 10); 0 turns it off
 * @param profileIntakeUrl intake mode: where tracers' profiles go, override of {@code
 *     https://intake.profile.<site>/api/v2/profile} (tests, proxies)
 * @param telemetryIntakeUrl intake mode: the base tracers' telemetry goes to (the path after {@code
 *     /telemetry/proxy} follows it), override of {@code https://instrumentation-telemetry-intake.<site>}
 */
@ConfigurationProperties("bridge.forward")
public record ForwardProperties(
    @DefaultValue("embedded") Target target,
    @DefaultValue("http://localhost:8126") URI agentUrl,
    @DefaultValue("datadoghq.com") String site,
    @DefaultValue("") String intakeUrl,
    @DefaultValue("") Secret apiKey,
    @DefaultValue("./data/spool") Path spoolDir,
    @DefaultValue("1GB") DataSize spoolMaxBytes,
    @DefaultValue("64MB") DataSize queueMaxBytes,
    @DefaultValue("10MB") DataSize maxPayloadBytes,
    @DefaultValue("30s") Duration retryBudget,
    @DefaultValue("10s") Duration shutdownTimeout,
    @DefaultValue("") String hostname,
    @DefaultValue("10") double errorsPerSecond,
    @DefaultValue("") String profileIntakeUrl,
    @DefaultValue("") String telemetryIntakeUrl) {

  public enum Target {
    EMBEDDED,
    AGENT,
    INTAKE
  }

  public ForwardProperties {
    ConfigurationException.require(!site.contains("://"),
        "bridge.forward.site (DD_SITE) must be a site name without a scheme, such as datadoghq.com or datadoghq.eu; got '" + site + "'");
    ConfigurationException.require(site.matches("[A-Za-z0-9.-]+"),
        "bridge.forward.site (DD_SITE) must be a site name such as datadoghq.com or datadoghq.eu; got '" + site + "'");
    requireHttpUrl("bridge.forward.agent-url", agentUrl, "such as http://datadog-agent:8126");
    if (!intakeUrl.isBlank()) requireHttpUrl("bridge.forward.intake-url", parse("bridge.forward.intake-url", intakeUrl), "");
    if (!profileIntakeUrl.isBlank()) {
      requireHttpUrl("bridge.forward.profile-intake-url", parse("bridge.forward.profile-intake-url", profileIntakeUrl), "");
    }
    if (!telemetryIntakeUrl.isBlank()) {
      requireHttpUrl("bridge.forward.telemetry-intake-url", parse("bridge.forward.telemetry-intake-url", telemetryIntakeUrl), "");
    }
    ConfigurationException.require(target != Target.INTAKE || !apiKey.isEmpty(),
        "bridge.forward.api-key (DD_API_KEY) must be set when bridge.forward.target is intake");
    ConfigurationException.require(spoolMaxBytes.toBytes() >= 0, "bridge.forward.spool-max-bytes must not be negative");
    ConfigurationException.require(spoolDir != null || spoolMaxBytes.toBytes() == 0,
        "bridge.forward.spool-dir must be set when bridge.forward.spool-max-bytes is above 0 (0 turns the spool off)");
    ConfigurationException.require(queueMaxBytes.toBytes() >= DataSize.ofMegabytes(1).toBytes(),
        "bridge.forward.queue-max-bytes must be at least 1MB, got " + queueMaxBytes);
    ConfigurationException.require(maxPayloadBytes.toBytes() >= DataSize.ofKilobytes(64).toBytes()
        && maxPayloadBytes.toBytes() <= DataSize.ofMegabytes(24).toBytes(),
        "bridge.forward.max-payload-bytes must be between 64KB and 24MB (the Agent takes at most 25MB), got " + maxPayloadBytes);
    ConfigurationException.require(!retryBudget.isNegative(),
        "bridge.forward.retry-budget must not be negative (0: one attempt), got " + retryBudget);
    ConfigurationException.require(errorsPerSecond >= 0 && errorsPerSecond <= 1_000_000,
        "bridge.forward.errors-per-second must be between 0 (off) and 1000000, got " + errorsPerSecond);
    ConfigurationException.require(!shutdownTimeout.isNegative(), "bridge.forward.shutdown-timeout must not be negative, got " + shutdownTimeout);
  }

  /** {@code https://trace.agent.<site>} unless {@link #intakeUrl} overrides it. */
  public URI effectiveIntakeUrl() {
    return URI.create(intakeUrl.isBlank() ? "https://trace.agent." + site : intakeUrl.strip());
  }

  /** Where profiles go in intake mode: {@code https://intake.profile.<site>/api/v2/profile} unless overridden. */
  public URI effectiveProfileIntakeUrl() {
    return URI.create(profileIntakeUrl.isBlank() ? "https://intake.profile." + site + "/api/v2/profile" : profileIntakeUrl.strip());
  }

  /** The base telemetry goes to in intake mode: {@code https://instrumentation-telemetry-intake.<site>} unless overridden. */
  public URI effectiveTelemetryIntakeUrl() {
    return URI.create(telemetryIntakeUrl.isBlank() ? "https://instrumentation-telemetry-intake." + site : telemetryIntakeUrl.strip());
  }

  /**
   * An http(s) URL with a host and without user info or query: credentials belong in {@code
   * bridge.forward.api-key}, and the message never quotes them.
   */
  private static void requireHttpUrl(String key, URI url, String example) {
    String scheme = url.getScheme();
    ConfigurationException.require(("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && url.getHost() != null,
        key + " must be an http(s) URL" + (example.isEmpty() ? "" : " " + example) + "; got '" + printable(url) + "'");
    ConfigurationException.require(url.getRawUserInfo() == null && url.getRawQuery() == null,
        key + " must not carry user info or a query (credentials belong in bridge.forward.api-key); got '" + printable(url) + "'");
  }

  private static URI parse(String key, String url) {
    try {
      return new URI(url.strip());
    } catch (URISyntaxException e) {
      throw new ConfigurationException(key + " must be an http(s) URL; the value is not a URL (" + e.getReason() + ")");
    }
  }

  /**
   * The URL as written, unless it has an {@code @}, {@code ?} or {@code #} anywhere: a credential could
   * hide there, and a password with an {@code @} of its own leaves URI parsing no host to strip it by.
   */
  private static String printable(URI url) {
    return ConfigErrors.printable(url.toString());
  }
}
