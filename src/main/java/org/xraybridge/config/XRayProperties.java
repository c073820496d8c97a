package org.xraybridge.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.xraybridge.model.Secret;
import org.xraybridge.source.xray.XRaySourceSettings;

/**
 * {@code bridge.xray.*}: the X-Ray API sources. Durations left unset take the mode's default: with the
 * embedded emulator a 5 s poll interval and 2 s lag (the demo shows a merged trace within seconds),
 * against AWS 30 s and 30 s (docs/xray-source.md "Settings" says why).
 *
 * <p>One account and region is configured with the single-source keys ({@code region}, {@code endpoint},
 * {@code filter-expression}): one source named {@code default}. Several are a list,
 * {@code bridge.xray.sources[i]}; setting both is refused with one line naming both. Timing, rates
 * and the checkpoint location apply to every source (docs/xray-source.md "Several accounts and regions").
 *
 * @param source {@code emulator} (embedded X-Ray API), {@code aws} (real accounts) or {@code off}
 * @param region the one source's region; {@code ""} = the emulator's us-east-1, or the AWS SDK's
 *     region chain ({@code AWS_REGION})
 * @param endpoint override of the one source's X-Ray API URL (VPC endpoints, tests)
 * @param checkpointFile names where checkpoints are kept: source {@code s} keeps its own beside it, in
 *     {@code <name>-<s>.<ext>} ({@code xray-checkpoint-default.json}); a checkpoint at this path itself,
 *     written before sources had names, moves to source {@code default}'s (docs/xray-source.md)
 * @param env {@code DD_ENV}: env of X-Ray spans unless a source's env, an annotation or a rule says otherwise
 * @param inProgressTimeout an in-progress segment is held at most this long (converter and sources)
 * @param transactionSearch {@code auto} (unset: follow the destination), {@code logs}, {@code retrieval}, {@code off}
 *     (the one source; docs/xray-source.md "Transaction Search")
 * @param spansLogGroup the log group X-Ray writes spans to; unset = {@code aws/spans} (the one source)
 * @param logsEndpoint override of the CloudWatch Logs URL (the one source)
 * @param logsPerSecond FilterLogEvents calls per second of each source (the quota: 5 per account and region)
 * @param sources several accounts and regions, each its own source; empty = the single-source keys
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
    @DefaultValue("2") int batchConcurrency,
    TransactionSearch transactionSearch,
    String spansLogGroup,
    @DefaultValue("") String logsEndpoint,
    @DefaultValue("2") double logsPerSecond,
    List<XRaySourceProperties> sources) {

  static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");
  /** CloudWatch Logs' rule for a log group name (its API reference). */
  static final Pattern LOG_GROUP = Pattern.compile("[.\\-_/#A-Za-z0-9]{1,512}");
  static final Pattern LOG_GROUP_ARN = Pattern.compile("arn:aws[a-z-]*:logs:[a-z0-9-]+:\\d{12}:log-group:[.\\-_/#A-Za-z0-9]{1,512}(:\\*)?");
  /** The name the single-source keys give their one source. */
  public static final String DEFAULT_SOURCE = "default";
  /** The log group X-Ray writes spans to with Transaction Search on. */
  public static final String DEFAULT_SPANS_LOG_GROUP = "aws/spans";

  /** {@code bridge.xray.transaction-search}: how a source reads an account whose spans go to CloudWatch Logs. */
  public enum TransactionSearch {
    /** Follow the account's trace segment destination: CloudWatch Logs → read {@code aws/spans}. */
    AUTO,
    /** Always read {@code aws/spans} (FilterLogEvents). */
    LOGS,
    /** Always the indexed traces (GetTraceSummaries + StartTraceRetrieval + ListRetrievedTraces). */
    RETRIEVAL,
    /** Always GetTraceSummaries + BatchGetTraces; a CloudWatch Logs destination is a warning. */
    OFF
  }

  public enum Source {
    EMULATOR,
    AWS,
    OFF
  }

  @ConstructorBinding
  public XRayProperties {
    sources = sources == null ? List.of() : List.copyOf(sources);
    requireUrl(endpoint, "bridge.xray.endpoint", "https://xray.eu-west-1.amazonaws.com");
    ConfigurationException.require(region.isBlank() || REGION.matcher(region).matches(),
        "bridge.xray.region (AWS_REGION) must be a region such as eu-west-1, got '" + region + "'");
    requireUrl(logsEndpoint, "bridge.xray.logs-endpoint", "https://logs.eu-west-1.amazonaws.com");
    if (spansLogGroup != null) requireLogGroup(spansLogGroup, "bridge.xray.spans-log-group");
    ConfigurationException.require(logsPerSecond > 0 && logsPerSecond <= 5,
        "bridge.xray.logs-per-second must be in (0, 5] (FilterLogEvents' quota is 5 per account and region), got " + logsPerSecond);
    validateSources(sources, source, region, endpoint, filterExpression, transactionSearch, spansLogGroup, logsEndpoint);
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

  /** The single-source keys, as they were before sources could be listed: one source named {@code default}. */
  public XRayProperties(
      Source source, String region, String endpoint, Duration pollInterval, Duration lag, Duration overlap,
      Duration maxWindow, String filterExpression, Path checkpointFile, String env, Duration inProgressTimeout,
      double summariesPerSecond, double tracesPerSecond, int batchConcurrency) {
    this(source, region, endpoint, pollInterval, lag, overlap, maxWindow, filterExpression, checkpointFile, env,
        inProgressTimeout, summariesPerSecond, tracesPerSecond, batchConcurrency, List.of());
  }

  /** The keys as they were before Transaction Search: {@code transaction-search} auto, {@code aws/spans}. */
  public XRayProperties(
      Source source, String region, String endpoint, Duration pollInterval, Duration lag, Duration overlap,
      Duration maxWindow, String filterExpression, Path checkpointFile, String env, Duration inProgressTimeout,
      double summariesPerSecond, double tracesPerSecond, int batchConcurrency, List<XRaySourceProperties> sources) {
    this(source, region, endpoint, pollInterval, lag, overlap, maxWindow, filterExpression, checkpointFile, env,
        inProgressTimeout, summariesPerSecond, tracesPerSecond, batchConcurrency, null, null, "", 2, sources);
  }

  private static void validateSources(
      List<XRaySourceProperties> sources, Source source, String region, String endpoint, String filterExpression,
      TransactionSearch transactionSearch, String spansLogGroup, String logsEndpoint) {
    if (sources.isEmpty()) return;
    List<String> single = new ArrayList<>();
    if (!region.isBlank()) single.add("bridge.xray.region");
    if (!endpoint.isBlank()) single.add("bridge.xray.endpoint");
    if (!filterExpression.isBlank()) single.add("bridge.xray.filter-expression");
    if (transactionSearch != null) single.add("bridge.xray.transaction-search");
    if (spansLogGroup != null) single.add("bridge.xray.spans-log-group");
    if (!logsEndpoint.isBlank()) single.add("bridge.xray.logs-endpoint");
    ConfigurationException.require(single.isEmpty(),
        "bridge.xray.sources and the single-source key" + (single.size() > 1 ? "s " : " ") + String.join(", ", single)
            + " cannot both be set: give each source its own under bridge.xray.sources[i], or remove bridge.xray.sources");
    ConfigurationException.require(source == Source.AWS,
        "bridge.xray.sources needs bridge.xray.source=aws (the embedded emulator is one account), got " + source.name().toLowerCase(Locale.ROOT));
    Set<String> names = new HashSet<>();
    for (int i = 0; i < sources.size(); i++) {
      XRaySourceProperties s = sources.get(i);
      s.validate(i);
      // names key files, which some file systems compare ignoring case
      ConfigurationException.require(names.add(s.name().toLowerCase(Locale.ROOT)),
          "bridge.xray.sources[" + i + "].name '" + s.name() + "' is used by another source: names must be unique");
    }
  }

  /** Where source {@code name} keeps its checkpoint: {@code <checkpoint-file name>-<name><extension>} beside it. */
  public Path checkpointFileOf(String name) {
    String file = checkpointFile.getFileName().toString();
    int dot = file.lastIndexOf('.');
    String own = dot > 0 ? file.substring(0, dot) + "-" + name + file.substring(dot) : file + "-" + name;
    return checkpointFile.resolveSibling(own);
  }

  static void requireLogGroup(String value, String key) {
    ConfigurationException.require(LOG_GROUP.matcher(value).matches() || LOG_GROUP_ARN.matcher(value).matches(),
        key + " must be a log group name such as aws/spans, or its ARN, got '" + value + "'");
  }

  static void requireUrl(String value, String key, String example) {
    ConfigurationException.require(value.isBlank() || value.startsWith("http://") || value.startsWith("https://"),
        key + " must be an http(s) URL such as " + example + ", got '" + value + "'");
  }

  /**
   * The sources to poll: {@code bridge.xray.sources}, or the one the single-source keys describe,
   * named {@code default}. Each source's env is its own or {@link #env()}.
   */
  public List<XRaySourceProperties> effectiveSources() {
    if (source == Source.OFF) return List.of();
    if (sources.isEmpty()) {
      return List.of(new XRaySourceProperties(DEFAULT_SOURCE, region, "", Secret.EMPTY, "", endpoint, filterExpression, env,
          transactionSearch == null ? TransactionSearch.AUTO : transactionSearch, logsEndpoint,
          spansLogGroup == null ? DEFAULT_SPANS_LOG_GROUP : spansLogGroup));
    }
    List<XRaySourceProperties> out = new ArrayList<>(sources.size());
    for (XRaySourceProperties s : sources) out.add(s.env().isEmpty() ? s.withEnv(env) : s);
    return out;
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
