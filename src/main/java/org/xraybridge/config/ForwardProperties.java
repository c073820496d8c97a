package org.xraybridge.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.xraybridge.model.Secret;

/**
 * {@code bridge.forward.*}: where stitched traces go.
 *
 * @param target {@code embedded} (in-process recording sink), {@code agent} (msgpack v0.4 to a Datadog
 *     Agent) or {@code intake} (protobuf straight to Datadog, with APM stats)
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
    @DefaultValue("10") double errorsPerSecond) {

  public enum Target {
    EMBEDDED,
    AGENT,
    INTAKE
  }

  public ForwardProperties {
    ConfigurationException.require(!site.contains("://"),
        "bridge.forward.site (DD_SITE) must be a site name without a scheme, such as datadoghq.com or datadoghq.eu; got '" + site + "'");
    ConfigurationException.require(!site.isBlank() && !site.contains("/") && !site.contains(" "),
        "bridge.forward.site (DD_SITE) must be a site name such as datadoghq.com or datadoghq.eu; got '" + site + "'");
    String scheme = agentUrl.getScheme();
    ConfigurationException.require(("http".equals(scheme) || "https".equals(scheme)) && agentUrl.getHost() != null,
        "bridge.forward.agent-url must be an http(s) URL such as http://datadog-agent:8126; got '" + agentUrl + "'");
    if (!intakeUrl.isBlank()) {
      URI u = URI.create(intakeUrl.strip());
      ConfigurationException.require(("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null,
          "bridge.forward.intake-url must be an http(s) URL; got '" + intakeUrl + "'");
    }
    ConfigurationException.require(target != Target.INTAKE || !apiKey.isEmpty(),
        "bridge.forward.api-key (DD_API_KEY) must be set when bridge.forward.target is intake");
    ConfigurationException.require(spoolMaxBytes.toBytes() >= 0, "bridge.forward.spool-max-bytes must not be negative");
    ConfigurationException.require(queueMaxBytes.toBytes() >= DataSize.ofMegabytes(1).toBytes(),
        "bridge.forward.queue-max-bytes must be at least 1MB, got " + queueMaxBytes);
    ConfigurationException.require(maxPayloadBytes.toBytes() >= DataSize.ofKilobytes(64).toBytes()
        && maxPayloadBytes.toBytes() <= DataSize.ofMegabytes(24).toBytes(),
        "bridge.forward.max-payload-bytes must be between 64KB and 24MB (the Agent takes at most 25MB), got " + maxPayloadBytes);
    ConfigurationException.require(!retryBudget.isNegative(), "bridge.forward.retry-budget must not be negative, got " + retryBudget);
    ConfigurationException.require(errorsPerSecond >= 0 && errorsPerSecond <= 1_000_000,
        "bridge.forward.errors-per-second must be between 0 (off) and 1000000, got " + errorsPerSecond);
    ConfigurationException.require(!shutdownTimeout.isNegative(), "bridge.forward.shutdown-timeout must not be negative, got " + shutdownTimeout);
  }

  /** {@code https://trace.agent.<site>} unless {@link #intakeUrl} overrides it. */
  public URI effectiveIntakeUrl() {
    return URI.create(intakeUrl.isBlank() ? "https://trace.agent." + site : intakeUrl.strip());
  }
}
