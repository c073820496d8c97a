package org.xraybridge.source.xray;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xraybridge.model.Secret;
import org.xraybridge.source.poll.PollCursor;

/**
 * One X-Ray source's constructor arguments: an account and region read through one client. The
 * {@code config} package builds them from the {@code bridge.xray.*} keys, which hold every rule;
 * {@link Tuning} holds what is not configured. Why each default: docs/xray-source.md "Settings".
 *
 * @param name the source's name, the key of its checkpoint, status, logs and metrics ({@code default}
 *     when the single-source keys configure the one source)
 * @param region AWS region of the X-Ray API
 * @param endpoint override of the X-Ray API URL; {@code ""} = the regional endpoint
 * @param timing how windows are cut
 * @param filterExpression X-Ray filter expression for GetTraceSummaries; {@code ""} = none
 * @param inProgressTimeout a held in-progress document is fetched again this long after (the converter's value)
 * @param summariesPerSecond GetTraceSummaries calls per second
 * @param tracesPerSecond BatchGetTraces calls per second
 * @param batchConcurrency BatchGetTraces calls in flight at once
 * @param role the role the source's calls are signed with, or {@link Role#NONE} for the bridge's own credentials
 * @param search how the source reads an account whose spans go to CloudWatch Logs (Transaction Search)
 */
public record XRaySourceSettings(
    String name,
    String region,
    String endpoint,
    PollCursor.Timing timing,
    String filterExpression,
    Duration inProgressTimeout,
    double summariesPerSecond,
    double tracesPerSecond,
    int batchConcurrency,
    Role role,
    Search search,
    Tuning tuning) {

  /** What an account id looks like in a role ARN: {@code arn:<partition>:iam::<12 digits>:role/…}. */
  private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::(\\d{12}):role/.+");

  public XRaySourceSettings {
    Objects.requireNonNull(name, "name == null");
    Objects.requireNonNull(region, "region == null");
    Objects.requireNonNull(endpoint, "endpoint == null");
    Objects.requireNonNull(timing, "timing == null");
    Objects.requireNonNull(filterExpression, "filterExpression == null");
    Objects.requireNonNull(inProgressTimeout, "inProgressTimeout == null");
    Objects.requireNonNull(role, "role == null");
    Objects.requireNonNull(search, "search == null");
    Objects.requireNonNull(tuning, "tuning == null");
  }

  /**
   * How a source reads an account whose trace segment destination is CloudWatch Logs (Transaction
   * Search), where BatchGetTraces finds nothing: docs/xray-source.md "Transaction Search".
   *
   * @param mode which path: follow the destination, or always one
   * @param spansLogGroup the log group X-Ray writes spans to
   * @param logsEndpoint override of the CloudWatch Logs URL; {@code ""} = the region's
   * @param logsPerSecond FilterLogEvents calls per second (the quota is 5 per account and region)
   */
  public record Search(Mode mode, String spansLogGroup, String logsEndpoint, double logsPerSecond, SearchTuning tuning) {

    /** Follow the destination; {@code aws/spans}; 2 calls a second; {@link SearchTuning#DEFAULTS}. */
    public static final Search DEFAULT = new Search(Mode.AUTO, "aws/spans", "", 2, SearchTuning.DEFAULTS);

    public Search {
      Objects.requireNonNull(mode, "mode == null");
      Objects.requireNonNull(spansLogGroup, "spansLogGroup == null");
      Objects.requireNonNull(logsEndpoint, "logsEndpoint == null");
      Objects.requireNonNull(tuning, "tuning == null");
    }

    /** {@code bridge.xray.transaction-search}. */
    public enum Mode {
      /** Follow GetTraceSegmentDestination: {@code CloudWatchLogs} → the logs path, {@code XRay} → the X-Ray path. */
      AUTO,
      /** Always read {@code aws/spans}. */
      LOGS,
      /** Always the indexed traces: GetTraceSummaries + StartTraceRetrieval + ListRetrievedTraces. */
      RETRIEVAL,
      /** Always GetTraceSummaries + BatchGetTraces, as before Transaction Search (a CloudWatch Logs destination is a warning). */
      OFF
    }

    /** Whether this source may need the CloudWatch Logs client. */
    public boolean mayReadLogs() {
      return mode == Mode.AUTO || mode == Mode.LOGS;
    }
  }

  /**
   * What is not configured of the Transaction Search paths; tests shorten it.
   *
   * @param destinationRecheck how often GetTraceSegmentDestination is asked again
   * @param maxLogPagesPerPoll FilterLogEvents pages one tick reads at most; past it the tick hands on what
   *     it read and the cursor moves to the last event's time (catching up in bounded steps)
   * @param maxHeldEvents in-progress span records kept to be offered again (their text is kept)
   * @param maxHeldChars the characters of those records, at most (they go into the checkpoint)
   * @param retrievalPerSecond StartTraceRetrieval and ListRetrievedTraces calls per second
   * @param retrievalWait the first wait between two ListRetrievedTraces while a retrieval runs; it doubles up to 8×
   * @param retrievalTimeout a retrieval not COMPLETE after this fails the tick
   */
  public record SearchTuning(
      Duration destinationRecheck,
      int maxLogPagesPerPoll,
      int maxHeldEvents,
      long maxHeldChars,
      double retrievalPerSecond,
      Duration retrievalWait,
      Duration retrievalTimeout) {

    public static final SearchTuning DEFAULTS =
        new SearchTuning(Duration.ofMinutes(5), 1000, 10_000, 16L << 20, 1, Duration.ofSeconds(1), Duration.ofMinutes(5));
  }

  /**
   * The AWS account the source reads, for status and metric tags: the account of its role, {@code ""}
   * when it reads with the bridge's own credentials (whose account is not asked for: that would need
   * {@code sts:GetCallerIdentity} and a call at start-up).
   */
  public String account() {
    Matcher m = ROLE_ARN.matcher(role.arn());
    return m.matches() ? m.group(1) : "";
  }

  /**
   * The role a source assumes with STS {@code AssumeRole}, through the AWS SDK's
   * {@code StsAssumeRoleCredentialsProvider}: credentials are fetched before the first call and
   * refreshed in the background {@code prefetch} before they expire, so no call waits for STS or is
   * signed with expired credentials (docs/xray-source.md "Several accounts and regions").
   *
   * @param arn the role's ARN; {@code ""} = no role, the bridge's own credentials sign the calls
   * @param externalId the external id the role's trust policy asks for, or {@link Secret#EMPTY}; never printed
   * @param stsEndpoint override of the STS URL (VPC endpoints, tests); {@code ""} = the region's
   * @param sessionName the role session name CloudTrail shows
   * @param sessionDuration how long credentials last ({@code DurationSeconds}; STS allows 15 min to the role's maximum)
   * @param prefetch a background refresh starts this long before the credentials expire
   * @param stale within this of their expiry, a call waits for fresh credentials rather than use these
   */
  public record Role(
      String arn, Secret externalId, String stsEndpoint, String sessionName, Duration sessionDuration, Duration prefetch,
      Duration stale) {

    /** No role: the bridge's own credentials. */
    public static final Role NONE =
        new Role("", Secret.EMPTY, "", "", Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofMinutes(1));

    public Role {
      Objects.requireNonNull(arn, "arn == null");
      Objects.requireNonNull(externalId, "externalId == null");
      Objects.requireNonNull(stsEndpoint, "stsEndpoint == null");
      Objects.requireNonNull(sessionName, "sessionName == null");
      if (stale.compareTo(prefetch) > 0) {
        throw new IllegalArgumentException("role.stale (" + stale + ") must be <= role.prefetch (" + prefetch + ")");
      }
      if (prefetch.compareTo(sessionDuration) >= 0) {
        throw new IllegalArgumentException(
            "role.prefetch (" + prefetch + ") must be < role.sessionDuration (" + sessionDuration + ")");
      }
    }

    /** The role {@code arn} with the documented defaults: one-hour sessions refreshed 5 min before they expire. */
    public static Role of(String arn, Secret externalId, String stsEndpoint, String sessionName) {
      return new Role(arn, externalId, stsEndpoint, sessionName, NONE.sessionDuration, NONE.prefetch, NONE.stale);
    }

    public boolean assumed() {
      return !arn.isEmpty();
    }

    /** The same role with other credential lifetimes (tests use seconds). */
    public Role withLifetimes(Duration sessionDuration, Duration prefetch, Duration stale) {
      return new Role(arn, externalId, stsEndpoint, sessionName, sessionDuration, prefetch, stale);
    }
  }

  /**
   * What is not configured; tests shorten it.
   *
   * @param checkpointInterval how often a long poll writes the checkpoint (every tick end and stop also write)
   * @param destinationPerSecond GetTraceSegmentDestination calls per second
   * @param deliveredTtl how long the delivered set remembers a trace after its last change
   * @param maxTrackedIds bound of the delivered set: segment and span ids
   * @param maxPagesPerPoll a longer NextToken chain fails the tick instead of looping
   */
  public record Tuning(
      Duration checkpointInterval,
      double destinationPerSecond,
      Retry retry,
      Circuit circuit,
      Duration apiCallTimeout,
      Duration apiAttemptTimeout,
      Duration deliveredTtl,
      long maxTrackedIds,
      int maxPagesPerPoll) {

    public static final Tuning DEFAULTS =
        new Tuning(
            Duration.ofSeconds(5),
            1.0,
            new Retry(4, Duration.ofMillis(500), Duration.ofSeconds(20), 0.5),
            new Circuit(50f, 40, 20, Duration.ofSeconds(60), 2),
            Duration.ofSeconds(30),
            Duration.ofSeconds(10),
            Duration.ofHours(1),
            1_000_000,
            200);
  }

  /**
   * Retries of one API call on throttling, 5xx, timeouts and I/O errors: exponential backoff from
   * {@code minBackoff} to {@code maxBackoff} with {@code jitter} (0..1) of randomness.
   */
  public record Retry(int maxRetries, Duration minBackoff, Duration maxBackoff, double jitter) {
    public Retry {
      if (maxBackoff.compareTo(minBackoff) < 0) {
        throw new IllegalArgumentException(
            "retry.maxBackoff (" + maxBackoff + ") must be >= retry.minBackoff (" + minBackoff + ")");
      }
      if (!(jitter >= 0 && jitter <= 1)) throw new IllegalArgumentException("retry.jitter: expected 0..1, got " + jitter);
    }
  }

  /**
   * The circuit breaker shared by a source's API calls: opens when {@code failureRatePercent} of the
   * last {@code slidingWindowCalls} calls (once at least {@code minimumCalls} were made) failed with a
   * throttle, 5xx, timeout or I/O error; stays open {@code openDuration}, then lets
   * {@code halfOpenCalls} probes through.
   */
  public record Circuit(
      float failureRatePercent, int slidingWindowCalls, int minimumCalls, Duration openDuration, int halfOpenCalls) {
    public Circuit {
      if (!(failureRatePercent > 0 && failureRatePercent <= 100)) {
        throw new IllegalArgumentException("circuit.failureRatePercent: expected (0, 100], got " + failureRatePercent);
      }
    }
  }
}
