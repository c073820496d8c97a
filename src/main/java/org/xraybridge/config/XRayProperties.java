package org.xraybridge.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.xraybridge.source.xray.XRaySourceSettings;

/**
 * {@code bridge.xray.*}: the X-Ray API source. Durations left unset take the mode's default: with the
 * embedded emulator a 5 s poll interval and 2 s lag (the demo shows a merged trace within seconds),
 * against AWS 30 s and 30 s (docs/xray-source.md "Settings" says why).
 *
 * @param source {@code emulator} (embedded X-Ray API), {@code aws} (a real account) or {@code off}
 * @param region {@code AWS_REGION}; {@code ""} = the emulator's us-east-1, or the SDK's region chain
 * @param endpoint override of the X-Ray API URL (VPC endpoints, tests)
 * @param env {@code DD_ENV}: env of X-Ray spans unless an annotation or rule says otherwise
 * @param inProgressTimeout an in-progress segment is held at most this long (converter and sources)
 */
@ConfigurationProperties("bridge.xray")
public record XRayProperties(
    @DefaultValue("emulator") Source source,
    @DefaultValue("") String region,
    @DefaultValue("") String endpoint,
    Duration pollInterval,
    Duration lag,
    @DefaultValue("5m") Duration overlap,
    @DefaultValue("15m") Duration maxWindow,
    @DefaultValue("") String filterExpression,
    @DefaultValue("./data/xray-checkpoint.json") Path checkpointFile,
    @DefaultValue("none") String env,
    @DefaultValue("10m") Duration inProgressTimeout,
    @DefaultValue("1") double summariesPerSecond,
    @DefaultValue("2") double tracesPerSecond,
    @DefaultValue("2") int batchConcurrency) {

  public enum Source {
    EMULATOR,
    AWS,
    OFF
  }

  public XRayProperties {
    ConfigurationException.require(endpoint.isBlank() || endpoint.startsWith("http://") || endpoint.startsWith("https://"),
        "bridge.xray.endpoint must be an http(s) URL such as https://xray.eu-west-1.amazonaws.com, got '" + endpoint + "'");
    ConfigurationException.require(region.isBlank() || region.matches("[a-z]{2}(-[a-z]+)+-\\d+"),
        "bridge.xray.region (AWS_REGION) must be a region such as eu-west-1, got '" + region + "'");
    positive(pollInterval, "bridge.xray.poll-interval", "30s");
    if (lag != null) ConfigurationException.require(!lag.isNegative(), "bridge.xray.lag must not be negative, got " + lag);
    ConfigurationException.require(!overlap.isNegative(), "bridge.xray.overlap must not be negative, got " + overlap);
    positive(maxWindow, "bridge.xray.max-window", "15m");
    ConfigurationException.require(maxWindow.compareTo(Duration.ofHours(6)) <= 0,
        "bridge.xray.max-window must be at most 6h, got " + maxWindow);
    positive(inProgressTimeout, "bridge.xray.in-progress-timeout", "10m");
    Duration interval = pollInterval != null ? pollInterval : defaultPollInterval(source);
    Duration lagOrDefault = lag != null ? lag : defaultLag(source);
    ConfigurationException.require(maxWindow.compareTo(overlap.plus(interval)) >= 0,
        "bridge.xray.max-window (" + maxWindow + ") must be at least bridge.xray.overlap + bridge.xray.poll-interval ("
            + overlap.plus(interval) + "), or a poll could not move the cursor");
    Duration remembered = XRaySourceSettings.Tuning.DEFAULTS.deliveredTtl();
    ConfigurationException.require(overlap.plus(lagOrDefault).compareTo(remembered) < 0,
        "bridge.xray.overlap + bridge.xray.lag (" + overlap.plus(lagOrDefault) + ") must be under " + remembered
            + ", how long delivered segments are remembered, or segments re-read in the overlap would be sent again");
    ConfigurationException.require(inProgressTimeout.plus(interval).compareTo(remembered) < 0,
        "bridge.xray.in-progress-timeout + bridge.xray.poll-interval (" + inProgressTimeout.plus(interval) + ") must be under "
            + remembered + ", how long delivered segments are remembered, or held in-progress segments would be forgotten");
    ConfigurationException.require(summariesPerSecond > 0 && summariesPerSecond <= 1000,
        "bridge.xray.summaries-per-second must be in (0, 1000], got " + summariesPerSecond);
    ConfigurationException.require(tracesPerSecond > 0 && tracesPerSecond <= 1000,
        "bridge.xray.traces-per-second must be in (0, 1000], got " + tracesPerSecond);
    ConfigurationException.require(batchConcurrency >= 1 && batchConcurrency <= 16,
        "bridge.xray.batch-concurrency must be 1..16, got " + batchConcurrency);
    ConfigurationException.require(!env.isBlank(), "bridge.xray.env (DD_ENV) must not be blank");
  }

  /** {@code bridge.xray.poll-interval}, or the mode's default. */
  public Duration effectivePollInterval() {
    return pollInterval != null ? pollInterval : defaultPollInterval(source);
  }

  /** {@code bridge.xray.lag}, or the mode's default. */
  public Duration effectiveLag() {
    return lag != null ? lag : defaultLag(source);
  }

  private static Duration defaultPollInterval(Source source) {
    return source == Source.EMULATOR ? Duration.ofSeconds(5) : Duration.ofSeconds(30);
  }

  private static Duration defaultLag(Source source) {
    return source == Source.EMULATOR ? Duration.ofSeconds(2) : Duration.ofSeconds(30);
  }

  private static void positive(Duration d, String key, String example) {
    if (d != null) {
      ConfigurationException.require(!d.isNegative() && !d.isZero(), key + " must be a positive duration such as " + example + ", got " + d);
    }
  }
}
