package org.xraybridge.source.xray;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the X-Ray poller behaves: the constructor arguments the {@code config} package builds from the
 * {@code bridge.xray.*} keys. Every rule here fails with a message naming the field (the config layer
 * names the key); {@link #defaults()} gives the documented defaults.
 *
 * <h2>The polling window</h2>
 * Each tick covers {@code [cursor − overlap, min(now − lag, cursor − overlap + maxWindow))} on X-Ray's
 * {@code Event} axis (trace update time). {@code lag} leaves X-Ray time to index what it received;
 * {@code overlap} re-reads the recent past so traces updated by segments that arrived late are seen
 * again; {@code maxWindow} caps one tick after downtime, so catching up goes in bounded steps.
 *
 * <table>
 *   <caption>Defaults and why</caption>
 *   <tr><th>field</th><th>key</th><th>default</th><th>why</th></tr>
 *   <tr><td>region</td><td>bridge.xray.region</td><td>us-east-1</td><td>the emulator's; AWS_REGION wins in aws mode</td></tr>
 *   <tr><td>endpoint</td><td>bridge.xray.endpoint</td><td>"" (the regional endpoint)</td><td>set for the emulator, tests, VPC endpoints</td></tr>
 *   <tr><td>pollInterval</td><td>bridge.xray.poll-interval</td><td>30s</td><td>two summary scans a minute; freshness is bound by {@code lag} anyway</td></tr>
 *   <tr><td>lag</td><td>bridge.xray.lag</td><td>30s</td><td>X-Ray's indexing delay is undocumented (WIRE.md §A5); daemons flush every 1 s</td></tr>
 *   <tr><td>overlap</td><td>bridge.xray.overlap</td><td>5m</td><td>≥ the 2–5 min segments can take to arrive (MAPPING.md §6); cheap: seen revisions cost no BatchGetTraces call</td></tr>
 *   <tr><td>maxWindow</td><td>bridge.xray.max-window</td><td>15m</td><td>catch-up at 30× real time with 30 s ticks, pages stay few</td></tr>
 *   <tr><td>filterExpression</td><td>bridge.xray.filter-expression</td><td>"" (none)</td><td>shard by service or annotation when one poller is not enough</td></tr>
 *   <tr><td>checkpointFile</td><td>bridge.xray.checkpoint-file</td><td>./data/xray-checkpoint.json</td><td>DESIGN.md contract table</td></tr>
 *   <tr><td>checkpointInterval</td><td>bridge.xray.checkpoint-interval</td><td>5s</td><td>bounds what a crash mid-poll can re-send; every tick end and stop also write</td></tr>
 *   <tr><td>rateLimits</td><td>bridge.xray.rate-limits.*</td><td>summaries 1/s, traces 2/s, destination 1/s</td><td>well under X-Ray's per-account quotas, leaving room for the console and other tools</td></tr>
 *   <tr><td>batchConcurrency</td><td>bridge.xray.batch-concurrency</td><td>2</td><td>the rate limit is the real bound; 2 hides one call's latency</td></tr>
 *   <tr><td>retry</td><td>bridge.xray.retry.*</td><td>4 retries, 500ms..20s, jitter 0.5</td><td>rides out a throttling burst within one tick</td></tr>
 *   <tr><td>circuit</td><td>bridge.xray.circuit.*</td><td>opens at 50 % failures of the last 40 attempts (min 20), 60s open, 2 probes</td><td>stops hammering an API that is down or throttles for long; a burst the retries absorb does not open it</td></tr>
 *   <tr><td>apiCallTimeout / apiAttemptTimeout</td><td>bridge.xray.api-call-timeout / api-attempt-timeout</td><td>30s / 10s</td><td>a hung connection never holds a tick for long</td></tr>
 *   <tr><td>inProgressTimeout</td><td>bridge.xray.in-progress-timeout</td><td>10m</td><td>MAPPING.md §2: a held in-progress segment is re-fetched after this and emitted as it is</td></tr>
 *   <tr><td>deliveredTtl</td><td>bridge.xray.delivered-ttl</td><td>1h</td><td>remembers what was delivered well past the overlap, for segments that trickle in late</td></tr>
 *   <tr><td>maxTrackedIds</td><td>bridge.xray.max-tracked-ids</td><td>1000000</td><td>bounds the delivered set (segment and span ids) and the checkpoint to a few tens of MB</td></tr>
 *   <tr><td>maxPagesPerPoll</td><td>bridge.xray.max-pages-per-poll</td><td>200</td><td>a runaway NextToken chain fails the tick instead of looping</td></tr>
 * </table>
 *
 * <p>An {@code ""} string means "not set"; nothing here is null.
 */
public record XRaySourceSettings(
    String region,
    String endpoint,
    Duration pollInterval,
    Duration lag,
    Duration overlap,
    Duration maxWindow,
    String filterExpression,
    Path checkpointFile,
    Duration checkpointInterval,
    RateLimits rateLimits,
    int batchConcurrency,
    Retry retry,
    Circuit circuit,
    Duration apiCallTimeout,
    Duration apiAttemptTimeout,
    Duration inProgressTimeout,
    Duration deliveredTtl,
    long maxTrackedIds,
    int maxPagesPerPoll) {

  /**
   * Calls per second allowed to each API. The limiter hands out one permit every {@code 1/rate}
   * seconds (no bursts); a call waits for its permit without blocking a thread.
   */
  public record RateLimits(double summariesPerSecond, double tracesPerSecond, double destinationPerSecond) {
    public static final RateLimits DEFAULTS = new RateLimits(1.0, 2.0, 1.0);

    public RateLimits {
      positive(summariesPerSecond, "rateLimits.summariesPerSecond");
      positive(tracesPerSecond, "rateLimits.tracesPerSecond");
      positive(destinationPerSecond, "rateLimits.destinationPerSecond");
    }

    private static void positive(double v, String field) {
      if (!(v > 0) || Double.isInfinite(v) || v > 1000) {
        throw new IllegalArgumentException(field + ": expected a rate in (0, 1000] calls per second, got " + v);
      }
    }
  }

  /**
   * Retries of one API call on throttling (429), 5xx, timeouts and I/O errors: exponential backoff
   * from {@code minBackoff} to {@code maxBackoff} with {@code jitter} (0..1) of randomness. Other 4xx
   * are never retried.
   */
  public record Retry(int maxRetries, Duration minBackoff, Duration maxBackoff, double jitter) {
    public static final Retry DEFAULTS = new Retry(4, Duration.ofMillis(500), Duration.ofSeconds(20), 0.5);

    public Retry {
      if (maxRetries < 0 || maxRetries > 20) {
        throw new IllegalArgumentException("retry.maxRetries: expected 0..20, got " + maxRetries);
      }
      positive(minBackoff, "retry.minBackoff");
      positive(maxBackoff, "retry.maxBackoff");
      if (maxBackoff.compareTo(minBackoff) < 0) {
        throw new IllegalArgumentException(
            "retry.maxBackoff (" + maxBackoff + ") must be >= retry.minBackoff (" + minBackoff + ")");
      }
      if (!(jitter >= 0 && jitter <= 1)) throw new IllegalArgumentException("retry.jitter: expected 0..1, got " + jitter);
    }
  }

  /**
   * The circuit breaker shared by the X-Ray APIs: opens when {@code failureRatePercent} of the last
   * {@code slidingWindowCalls} calls (once at least {@code minimumCalls} were made) failed with a
   * throttle, 5xx, timeout or I/O error; stays open {@code openDuration}, then lets
   * {@code halfOpenCalls} probes through.
   */
  public record Circuit(
      float failureRatePercent, int slidingWindowCalls, int minimumCalls, Duration openDuration, int halfOpenCalls) {
    public static final Circuit DEFAULTS = new Circuit(50f, 40, 20, Duration.ofSeconds(60), 2);

    public Circuit {
      if (!(failureRatePercent > 0 && failureRatePercent <= 100)) {
        throw new IllegalArgumentException("circuit.failureRatePercent: expected (0, 100], got " + failureRatePercent);
      }
      if (slidingWindowCalls < 1) {
        throw new IllegalArgumentException("circuit.slidingWindowCalls: expected >= 1, got " + slidingWindowCalls);
      }
      if (minimumCalls < 1) throw new IllegalArgumentException("circuit.minimumCalls: expected >= 1, got " + minimumCalls);
      positive(openDuration, "circuit.openDuration");
      if (halfOpenCalls < 1) throw new IllegalArgumentException("circuit.halfOpenCalls: expected >= 1, got " + halfOpenCalls);
    }
  }

  /** Longest window one tick may poll. */
  public static final Duration MAX_WINDOW_LIMIT = Duration.ofHours(6);

  public XRaySourceSettings {
    Objects.requireNonNull(region, "region == null");
    if (region.isBlank()) throw new IllegalArgumentException("region: must be set, e.g. eu-west-1");
    Objects.requireNonNull(endpoint, "endpoint == null");
    if (!endpoint.isEmpty() && !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
      throw new IllegalArgumentException("endpoint: expected an http:// or https:// URL, got '" + endpoint + "'");
    }
    positive(pollInterval, "pollInterval");
    nonNegative(lag, "lag");
    nonNegative(overlap, "overlap");
    positive(maxWindow, "maxWindow");
    if (maxWindow.compareTo(MAX_WINDOW_LIMIT) > 0) {
      // X-Ray documents no maximum for one GetTraceSummaries range; its console allows 6 h (WIRE.md §A6).
      throw new IllegalArgumentException("maxWindow: expected at most " + MAX_WINDOW_LIMIT + ", got " + maxWindow);
    }
    if (maxWindow.compareTo(overlap.plus(pollInterval)) < 0) {
      throw new IllegalArgumentException(
          "maxWindow (" + maxWindow + ") must be >= overlap + pollInterval (" + overlap.plus(pollInterval)
              + "), or a tick could not move the cursor");
    }
    Objects.requireNonNull(filterExpression, "filterExpression == null");
    Objects.requireNonNull(checkpointFile, "checkpointFile == null");
    positive(checkpointInterval, "checkpointInterval");
    Objects.requireNonNull(rateLimits, "rateLimits == null");
    if (batchConcurrency < 1 || batchConcurrency > 16) {
      throw new IllegalArgumentException("batchConcurrency: expected 1..16, got " + batchConcurrency);
    }
    Objects.requireNonNull(retry, "retry == null");
    Objects.requireNonNull(circuit, "circuit == null");
    positive(apiCallTimeout, "apiCallTimeout");
    positive(apiAttemptTimeout, "apiAttemptTimeout");
    if (apiCallTimeout.compareTo(apiAttemptTimeout) < 0) {
      throw new IllegalArgumentException(
          "apiCallTimeout (" + apiCallTimeout + ") must be >= apiAttemptTimeout (" + apiAttemptTimeout + ")");
    }
    positive(inProgressTimeout, "inProgressTimeout");
    positive(deliveredTtl, "deliveredTtl");
    if (deliveredTtl.compareTo(overlap.plus(lag)) <= 0) {
      throw new IllegalArgumentException(
          "deliveredTtl (" + deliveredTtl + ") must be > overlap + lag (" + overlap.plus(lag)
              + "), or segments re-read in the overlap would be sent again");
    }
    if (deliveredTtl.compareTo(inProgressTimeout.plus(pollInterval)) <= 0) {
      throw new IllegalArgumentException(
          "deliveredTtl (" + deliveredTtl + ") must be > inProgressTimeout + pollInterval ("
              + inProgressTimeout.plus(pollInterval) + "), or held in-progress segments would be forgotten");
    }
    if (maxTrackedIds < 1000) {
      throw new IllegalArgumentException("maxTrackedIds: expected >= 1000, got " + maxTrackedIds);
    }
    if (maxPagesPerPoll < 1) throw new IllegalArgumentException("maxPagesPerPoll: expected >= 1, got " + maxPagesPerPoll);
  }

  /** The documented defaults (see the class comment). */
  public static XRaySourceSettings defaults() {
    return new XRaySourceSettings(
        "us-east-1",
        "",
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        Duration.ofMinutes(5),
        Duration.ofMinutes(15),
        "",
        Path.of("./data/xray-checkpoint.json"),
        Duration.ofSeconds(5),
        RateLimits.DEFAULTS,
        2,
        Retry.DEFAULTS,
        Circuit.DEFAULTS,
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofMinutes(10),
        Duration.ofHours(1),
        1_000_000,
        200);
  }

  /**
   * Defaults for the embedded emulator (DESIGN.md "Modes and defaults"): the emulator indexes at once,
   * so a short lag and interval make a demo trace visible within seconds. The rest as {@link #defaults()}.
   */
  public static XRaySourceSettings emulatorDefaults(String endpoint) {
    return defaults().toBuilder().endpoint(endpoint).pollInterval(Duration.ofSeconds(5)).lag(Duration.ofSeconds(2)).build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  private static void positive(Duration d, String field) {
    Objects.requireNonNull(d, field + " == null");
    if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(field + ": expected a positive duration, got " + d);
  }

  private static void nonNegative(Duration d, String field) {
    Objects.requireNonNull(d, field + " == null");
    if (d.isNegative()) throw new IllegalArgumentException(field + ": expected a duration >= 0, got " + d);
  }

  /** Mutable builder over {@link #defaults()} or another settings value; not thread-safe. */
  public static final class Builder {
    private String region;
    private String endpoint;
    private Duration pollInterval;
    private Duration lag;
    private Duration overlap;
    private Duration maxWindow;
    private String filterExpression;
    private Path checkpointFile;
    private Duration checkpointInterval;
    private RateLimits rateLimits;
    private int batchConcurrency;
    private Retry retry;
    private Circuit circuit;
    private Duration apiCallTimeout;
    private Duration apiAttemptTimeout;
    private Duration inProgressTimeout;
    private Duration deliveredTtl;
    private long maxTrackedIds;
    private int maxPagesPerPoll;

    Builder(XRaySourceSettings s) {
      region = s.region;
      endpoint = s.endpoint;
      pollInterval = s.pollInterval;
      lag = s.lag;
      overlap = s.overlap;
      maxWindow = s.maxWindow;
      filterExpression = s.filterExpression;
      checkpointFile = s.checkpointFile;
      checkpointInterval = s.checkpointInterval;
      rateLimits = s.rateLimits;
      batchConcurrency = s.batchConcurrency;
      retry = s.retry;
      circuit = s.circuit;
      apiCallTimeout = s.apiCallTimeout;
      apiAttemptTimeout = s.apiAttemptTimeout;
      inProgressTimeout = s.inProgressTimeout;
      deliveredTtl = s.deliveredTtl;
      maxTrackedIds = s.maxTrackedIds;
      maxPagesPerPoll = s.maxPagesPerPoll;
    }

    public Builder region(String v) { region = v; return this; }
    public Builder endpoint(String v) { endpoint = v; return this; }
    public Builder pollInterval(Duration v) { pollInterval = v; return this; }
    public Builder lag(Duration v) { lag = v; return this; }
    public Builder overlap(Duration v) { overlap = v; return this; }
    public Builder maxWindow(Duration v) { maxWindow = v; return this; }
    public Builder filterExpression(String v) { filterExpression = v; return this; }
    public Builder checkpointFile(Path v) { checkpointFile = v; return this; }
    public Builder checkpointInterval(Duration v) { checkpointInterval = v; return this; }
    public Builder rateLimits(RateLimits v) { rateLimits = v; return this; }
    public Builder batchConcurrency(int v) { batchConcurrency = v; return this; }
    public Builder retry(Retry v) { retry = v; return this; }
    public Builder circuit(Circuit v) { circuit = v; return this; }
    public Builder apiCallTimeout(Duration v) { apiCallTimeout = v; return this; }
    public Builder apiAttemptTimeout(Duration v) { apiAttemptTimeout = v; return this; }
    public Builder inProgressTimeout(Duration v) { inProgressTimeout = v; return this; }
    public Builder deliveredTtl(Duration v) { deliveredTtl = v; return this; }
    public Builder maxTrackedIds(long v) { maxTrackedIds = v; return this; }
    public Builder maxPagesPerPoll(int v) { maxPagesPerPoll = v; return this; }

    public XRaySourceSettings build() {
      return new XRaySourceSettings(
          region, endpoint, pollInterval, lag, overlap, maxWindow, filterExpression, checkpointFile,
          checkpointInterval, rateLimits, batchConcurrency, retry, circuit, apiCallTimeout, apiAttemptTimeout,
          inProgressTimeout, deliveredTtl, maxTrackedIds, maxPagesPerPoll);
    }
  }
}
