package org.xraybridge.source.xray;

import java.time.Duration;
import java.util.Objects;
import org.xraybridge.source.poll.PollCursor;

/**
 * One X-Ray source's constructor arguments: an account and region read through one client. The
 * {@code config} package builds them from the {@code bridge.xray.*} keys, which hold every rule;
 * {@link Tuning} holds what is not configured. Why each default: docs/xray-source.md "Settings".
 *
 * @param name the source's name, the key of its status and logs ({@code default} while there is one)
 * @param region AWS region of the X-Ray API
 * @param endpoint override of the X-Ray API URL; {@code ""} = the regional endpoint
 * @param timing how windows are cut
 * @param filterExpression X-Ray filter expression for GetTraceSummaries; {@code ""} = none
 * @param inProgressTimeout a held in-progress document is fetched again this long after (the converter's value)
 * @param summariesPerSecond GetTraceSummaries calls per second
 * @param tracesPerSecond BatchGetTraces calls per second
 * @param batchConcurrency BatchGetTraces calls in flight at once
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
    Tuning tuning) {

  public XRaySourceSettings {
    Objects.requireNonNull(name, "name == null");
    Objects.requireNonNull(region, "region == null");
    Objects.requireNonNull(endpoint, "endpoint == null");
    Objects.requireNonNull(timing, "timing == null");
    Objects.requireNonNull(filterExpression, "filterExpression == null");
    Objects.requireNonNull(inProgressTimeout, "inProgressTimeout == null");
    Objects.requireNonNull(tuning, "tuning == null");
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
