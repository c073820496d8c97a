package org.xraybridge.forward;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.xraybridge.forward.delivery.Redactor;
import org.xraybridge.model.Secret;

/**
 * Everything the forward stage needs, as plain values ({@code config} turns properties into this).
 * The compact constructor validates each value and names its configuration key in the message, so a
 * bad setting fails start-up, not the first request. {@link #toString()} never shows the API key
 * ({@link Secret} prints {@code <redacted>}).
 *
 * <p>Defaults ({@link #builder}) follow the Agent where it has one: 3.2 MB / 5 s intake flushes,
 * full-jitter backoff from 100 ms capped at 10 s, 5 attempts (1 + the Agent's 4 retries).
 *
 * @param target where spans go: an Agent (or anything that speaks its v0.4 API, such as the demo's
 *     sink), or the Datadog intake
 * @param agentUrl the Agent ({@code bridge.forward.agent-url}); never this bridge's own receiver
 * @param intakeUrl the trace intake ({@code bridge.forward.intake-url}), by default {@code
 *     https://trace.agent.<site>} ({@link #intakeUrlFor})
 * @param site Datadog site, no scheme ({@code bridge.forward.site}, {@code DD_SITE})
 * @param apiKey required for {@code intake} ({@code bridge.forward.api-key}, {@code DD_API_KEY})
 * @param hostname reported as the intake payload's host name (the Agent's hostname); blank: this
 *     machine's host name
 * @param env default env of intake payloads and stats ({@code DD_ENV}; "none" as the Agent)
 * @param version this bridge's version, for {@code User-Agent} and the payloads' agent version
 * @param maxQueueBytes outbox bound in bytes; {@code saturated()} is true from here
 * @param maxQueuePayloads outbox bound in payloads
 * @param maxPayloadBytes largest v0.4 request body to an Agent (well under its 25 MiB limit)
 * @param flushInterval an open v0.4 payload is sent at the latest after this long
 * @param intakeFlushBytes an intake payload is sent when it reaches this size (uncompressed)
 * @param intakeFlushInterval … or at the latest after this long
 * @param statsFlushInterval how often closed APM stats buckets are sent (intake)
 * @param statsMaxGroups bound on open APM stats groups (memory)
 * @param errorsPerSecond intake: sampled-out traces with an error still sent per second, as the
 *     Agent's errors sampler does (its default 10); 0 turns it off
 * @param senderThreads concurrent requests to the next hop
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout timeout of one request
 * @param retryMaxAttempts attempts per payload, first included
 * @param retryInitialBackoff backoff ceiling after the first failure (doubles each time)
 * @param retryMaxBackoff backoff ceiling cap
 * @param retryBudget how long after its first attempt a payload may start another one; an attempt
 *     in flight runs to its request timeout (cutting it short could duplicate the payload)
 * @param circuitFailureRate failure rate (percent) over the window that opens the circuit
 * @param circuitWindow number of recent calls the failure rate is computed over
 * @param circuitMinimumCalls calls needed before the rate is judged
 * @param circuitOpenWait how long the circuit stays open before probing
 * @param circuitHalfOpenCalls probe calls while half-open
 * @param spoolDir directory of the disk spool ({@code bridge.forward.spool-dir})
 * @param spoolMaxBytes spool bound ({@code bridge.forward.spool-max-bytes}); 0 disables the spool
 * @param shutdownBound default bound of {@link Forwarder#stop(Duration)}
 * @param ownReceiverHost the host this bridge's own receiver binds ("" when it is off)
 * @param ownReceiverPort its port (0 when it is off); an agent URL pointing there is refused
 */
public record ForwardSettings(
    Target target,
    URI agentUrl,
    URI intakeUrl,
    String site,
    Secret apiKey,
    String hostname,
    String env,
    String version,
    long maxQueueBytes,
    int maxQueuePayloads,
    int maxPayloadBytes,
    Duration flushInterval,
    int intakeFlushBytes,
    Duration intakeFlushInterval,
    Duration statsFlushInterval,
    int statsMaxGroups,
    double errorsPerSecond,
    int senderThreads,
    Duration connectTimeout,
    Duration requestTimeout,
    int retryMaxAttempts,
    Duration retryInitialBackoff,
    Duration retryMaxBackoff,
    Duration retryBudget,
    float circuitFailureRate,
    int circuitWindow,
    int circuitMinimumCalls,
    Duration circuitOpenWait,
    int circuitHalfOpenCalls,
    Path spoolDir,
    long spoolMaxBytes,
    Duration shutdownBound,
    String ownReceiverHost,
    int ownReceiverPort) {

  /** The Agent refuses bodies above 25 MiB (WIRE.md §C7); we stay well under. */
  public static final int AGENT_MAX_BODY = 25 * 1024 * 1024;
  /** The Agent's intake flush size, "the maximum allowed by the Datadog API" (WIRE.md §D2). */
  public static final int INTAKE_FLUSH_BYTES = 3_200_000;

  /** Where the forwarder sends. */
  public enum Target {
    /** A Datadog Agent, msgpack v0.4. */
    AGENT,
    /** The Datadog intake, protobuf + gzip, with APM stats. */
    INTAKE
  }

  public ForwardSettings {
    Objects.requireNonNull(target, "bridge.forward.target must be set");
    Objects.requireNonNull(agentUrl, "bridge.forward.agent-url must be set");
    Objects.requireNonNull(site, "bridge.forward.site must be set");
    Objects.requireNonNull(apiKey, "bridge.forward.api-key must not be null (use Secret.EMPTY)");
    Objects.requireNonNull(hostname, "hostname == null");
    Objects.requireNonNull(env, "env == null");
    Objects.requireNonNull(version, "version == null");
    Objects.requireNonNull(ownReceiverHost, "ownReceiverHost == null");
    if (site.isBlank() || site.contains("://") || site.contains("/")) {
      throw new IllegalArgumentException(
          "bridge.forward.site (DD_SITE) must be a bare site such as datadoghq.com or datadoghq.eu, got '" + site + "'");
    }
    if (intakeUrl == null) intakeUrl = intakeUrlFor(site);
    requireHttpUrl("bridge.forward.agent-url", agentUrl);
    requireHttpUrl("bridge.forward.intake-url", intakeUrl);
    if (target == Target.INTAKE && apiKey.isEmpty()) {
      throw new IllegalArgumentException(
          "bridge.forward.api-key (DD_API_KEY) is required when bridge.forward.target is intake");
    }
    positive("bridge.forward.queue-max-bytes", maxQueueBytes);
    positive("bridge.forward.queue-max-payloads", maxQueuePayloads);
    if (maxPayloadBytes < 64 * 1024 || maxPayloadBytes > AGENT_MAX_BODY - 1024 * 1024) {
      throw new IllegalArgumentException("bridge.forward.max-payload-bytes must be between 64KB and 24MB"
          + " (the Agent refuses bodies over 25MB), got " + maxPayloadBytes);
    }
    if (intakeFlushBytes < 64 * 1024 || intakeFlushBytes > 16 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "bridge.forward.intake-flush-bytes must be between 64KB and 16MB, got " + intakeFlushBytes);
    }
    positive("bridge.forward.flush-interval", flushInterval);
    positive("bridge.forward.intake-flush-interval", intakeFlushInterval);
    positive("bridge.forward.stats-flush-interval", statsFlushInterval);
    positive("bridge.forward.stats-max-groups", statsMaxGroups);
    if (!(errorsPerSecond >= 0 && errorsPerSecond <= 1_000_000)) {
      throw new IllegalArgumentException(
          "bridge.forward.errors-per-second must be between 0 (off) and 1000000, got " + errorsPerSecond);
    }
    if (senderThreads < 1 || senderThreads > 64) {
      throw new IllegalArgumentException("bridge.forward.sender-threads must be 1..64, got " + senderThreads);
    }
    positive("bridge.forward.connect-timeout", connectTimeout);
    positive("bridge.forward.request-timeout", requestTimeout);
    positive("bridge.forward.retry-max-attempts", retryMaxAttempts);
    positive("bridge.forward.retry-initial-backoff", retryInitialBackoff);
    positive("bridge.forward.retry-max-backoff", retryMaxBackoff);
    Objects.requireNonNull(retryBudget, "bridge.forward.retry-budget must be set");
    if (retryBudget.isNegative()) {
      throw new IllegalArgumentException("bridge.forward.retry-budget must not be negative (0: one attempt), got " + retryBudget);
    }
    if (!(circuitFailureRate > 0 && circuitFailureRate <= 100)) {
      throw new IllegalArgumentException(
          "bridge.forward.circuit-failure-rate must be in (0, 100] percent, got " + circuitFailureRate);
    }
    positive("bridge.forward.circuit-window", circuitWindow);
    positive("bridge.forward.circuit-minimum-calls", circuitMinimumCalls);
    positive("bridge.forward.circuit-open-wait", circuitOpenWait);
    positive("bridge.forward.circuit-half-open-calls", circuitHalfOpenCalls);
    if (spoolMaxBytes < 0) {
      throw new IllegalArgumentException("bridge.forward.spool-max-bytes must be >= 0 (0 disables), got " + spoolMaxBytes);
    }
    if (spoolMaxBytes > 0 && spoolDir == null) {
      throw new IllegalArgumentException("bridge.forward.spool-dir must be set when bridge.forward.spool-max-bytes > 0");
    }
    Objects.requireNonNull(shutdownBound, "bridge.forward.shutdown-timeout must be set");
    if (shutdownBound.isNegative()) {
      throw new IllegalArgumentException("bridge.forward.shutdown-timeout must not be negative, got " + shutdownBound);
    }
    if (ownReceiverPort < 0 || ownReceiverPort > 65535) {
      throw new IllegalArgumentException("receiver port must be 0..65535, got " + ownReceiverPort);
    }
  }

  /** {@code https://trace.agent.<site>} (WIRE.md §D1). */
  public static URI intakeUrlFor(String site) {
    return URI.create("https://trace.agent." + site.strip());
  }

  /** Defaults for {@code target}; the spool lives in {@code ./data/spool} (DESIGN.md). */
  public static Builder builder(Target target) {
    return new Builder(target);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  private static void requireHttpUrl(String key, URI url) {
    String scheme = url.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || url.getHost() == null) {
      throw new IllegalArgumentException(key + " must be an http(s) URL with a host, got '"
          + Redactor.safe(url) + "'");
    }
    if (url.getRawUserInfo() != null || url.getRawQuery() != null) {
      throw new IllegalArgumentException(key + " must not carry user info or a query (credentials belong in "
          + "bridge.forward.api-key), got '" + Redactor.safe(url) + "'");
    }
  }

  private static void positive(String key, long v) {
    if (v <= 0) throw new IllegalArgumentException(key + " must be > 0, got " + v);
  }

  private static void positive(String key, Duration d) {
    Objects.requireNonNull(d, key + " must be set");
    if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(key + " must be > 0, got " + d);
  }

  /** Mutable builder with the documented defaults; not thread-safe. */
  public static final class Builder {
    private Target target;
    private URI agentUrl = URI.create("http://localhost:8126");
    private URI intakeUrl;
    private String site = "datadoghq.com";
    private Secret apiKey = Secret.EMPTY;
    private String hostname = "";
    private String env = "none";
    private String version = "0.1.0";
    private long maxQueueBytes = 64L * 1024 * 1024;
    private int maxQueuePayloads = 256;
    private int maxPayloadBytes = 10 * 1024 * 1024;
    private Duration flushInterval = Duration.ofSeconds(1);
    private int intakeFlushBytes = INTAKE_FLUSH_BYTES;
    private Duration intakeFlushInterval = Duration.ofSeconds(5);
    private Duration statsFlushInterval = Duration.ofSeconds(10);
    private int statsMaxGroups = 100_000;
    private double errorsPerSecond = 10;
    private int senderThreads = 2;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(15);
    private int retryMaxAttempts = 5;
    private Duration retryInitialBackoff = Duration.ofMillis(100);
    private Duration retryMaxBackoff = Duration.ofSeconds(10);
    private Duration retryBudget = Duration.ofSeconds(30);
    private float circuitFailureRate = 50;
    private int circuitWindow = 20;
    private int circuitMinimumCalls = 10;
    private Duration circuitOpenWait = Duration.ofSeconds(30);
    private int circuitHalfOpenCalls = 2;
    private Path spoolDir = Path.of("data", "spool");
    private long spoolMaxBytes = 1024L * 1024 * 1024;
    private Duration shutdownBound = Duration.ofSeconds(10);
    private String ownReceiverHost = "";
    private int ownReceiverPort;

    Builder(Target target) {
      this.target = target;
    }

    Builder(ForwardSettings s) {
      target = s.target; agentUrl = s.agentUrl; intakeUrl = s.intakeUrl; site = s.site; apiKey = s.apiKey;
      hostname = s.hostname; env = s.env; version = s.version; maxQueueBytes = s.maxQueueBytes;
      maxQueuePayloads = s.maxQueuePayloads; maxPayloadBytes = s.maxPayloadBytes; flushInterval = s.flushInterval;
      intakeFlushBytes = s.intakeFlushBytes; intakeFlushInterval = s.intakeFlushInterval;
      statsFlushInterval = s.statsFlushInterval; statsMaxGroups = s.statsMaxGroups;
      errorsPerSecond = s.errorsPerSecond; senderThreads = s.senderThreads;
      connectTimeout = s.connectTimeout; requestTimeout = s.requestTimeout; retryMaxAttempts = s.retryMaxAttempts;
      retryInitialBackoff = s.retryInitialBackoff; retryMaxBackoff = s.retryMaxBackoff; retryBudget = s.retryBudget;
      circuitFailureRate = s.circuitFailureRate; circuitWindow = s.circuitWindow;
      circuitMinimumCalls = s.circuitMinimumCalls; circuitOpenWait = s.circuitOpenWait;
      circuitHalfOpenCalls = s.circuitHalfOpenCalls; spoolDir = s.spoolDir; spoolMaxBytes = s.spoolMaxBytes;
      shutdownBound = s.shutdownBound;
      ownReceiverHost = s.ownReceiverHost; ownReceiverPort = s.ownReceiverPort;
    }

    public Builder target(Target v) { target = v; return this; }
    public Builder agentUrl(URI v) { agentUrl = v; return this; }
    /** null: derived from the site. */
    public Builder intakeUrl(URI v) { intakeUrl = v; return this; }
    public Builder site(String v) { site = v; return this; }
    public Builder apiKey(Secret v) { apiKey = v; return this; }
    public Builder hostname(String v) { hostname = v; return this; }
    public Builder env(String v) { env = v; return this; }
    public Builder version(String v) { version = v; return this; }
    public Builder maxQueueBytes(long v) { maxQueueBytes = v; return this; }
    public Builder maxQueuePayloads(int v) { maxQueuePayloads = v; return this; }
    public Builder maxPayloadBytes(int v) { maxPayloadBytes = v; return this; }
    public Builder flushInterval(Duration v) { flushInterval = v; return this; }
    public Builder intakeFlushBytes(int v) { intakeFlushBytes = v; return this; }
    public Builder intakeFlushInterval(Duration v) { intakeFlushInterval = v; return this; }
    public Builder statsFlushInterval(Duration v) { statsFlushInterval = v; return this; }
    public Builder statsMaxGroups(int v) { statsMaxGroups = v; return this; }
    public Builder errorsPerSecond(double v) { errorsPerSecond = v; return this; }
    public Builder senderThreads(int v) { senderThreads = v; return this; }
    public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
    public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
    public Builder retryMaxAttempts(int v) { retryMaxAttempts = v; return this; }
    public Builder retryInitialBackoff(Duration v) { retryInitialBackoff = v; return this; }
    public Builder retryMaxBackoff(Duration v) { retryMaxBackoff = v; return this; }
    public Builder retryBudget(Duration v) { retryBudget = v; return this; }
    public Builder circuitFailureRate(float v) { circuitFailureRate = v; return this; }
    public Builder circuitWindow(int v) { circuitWindow = v; return this; }
    public Builder circuitMinimumCalls(int v) { circuitMinimumCalls = v; return this; }
    public Builder circuitOpenWait(Duration v) { circuitOpenWait = v; return this; }
    public Builder circuitHalfOpenCalls(int v) { circuitHalfOpenCalls = v; return this; }
    public Builder spoolDir(Path v) { spoolDir = v; return this; }
    public Builder spoolMaxBytes(long v) { spoolMaxBytes = v; return this; }
    public Builder shutdownBound(Duration v) { shutdownBound = v; return this; }
    public Builder ownReceiver(String host, int port) { ownReceiverHost = host; ownReceiverPort = port; return this; }

    public ForwardSettings build() {
      return new ForwardSettings(target, agentUrl, intakeUrl, site, apiKey, hostname, env, version, maxQueueBytes,
          maxQueuePayloads, maxPayloadBytes, flushInterval, intakeFlushBytes, intakeFlushInterval, statsFlushInterval,
          statsMaxGroups, errorsPerSecond, senderThreads, connectTimeout, requestTimeout, retryMaxAttempts, retryInitialBackoff,
          retryMaxBackoff, retryBudget, circuitFailureRate, circuitWindow, circuitMinimumCalls, circuitOpenWait,
          circuitHalfOpenCalls, spoolDir, spoolMaxBytes, shutdownBound, ownReceiverHost,
          ownReceiverPort);
    }
  }
}
