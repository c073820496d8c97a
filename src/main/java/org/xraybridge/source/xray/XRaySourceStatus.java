package org.xraybridge.source.xray;

import java.time.Duration;
import java.time.Instant;
import org.xraybridge.source.poll.PollOutcome;

/**
 * A snapshot of one X-Ray source for health and the UI, read from state the source keeps (never a
 * live AWS call). {@link Instant#EPOCH} means "never", {@code ""} means "none".
 *
 * @param name the source's name
 * @param account the AWS account it reads (of its role), {@code ""} with the bridge's own credentials
 * @param region the AWS region it reads
 * @param state lifecycle of the source
 * @param path how it reads its account now: {@code xray}, {@code logs} ({@code aws/spans}) or {@code retrieval}
 * @param lastSuccessfulPoll when a poll last completed its window
 * @param cursor end of the last completely polled window (the checkpoint's)
 * @param cursorLag now − cursor: how far behind real time the source is (lag + interval when healthy)
 * @param lastOutcome what the last tick came to
 * @param lastPollAt when the last tick ran
 * @param windowStart start of the last window polled or tried
 * @param windowEnd end of the last window polled or tried
 * @param throttlesLastMinute 429s (and CloudWatch Logs throttling) received in the last minute
 * @param circuitState the circuit breaker of the API the path reads: CLOSED, OPEN, HALF_OPEN …
 * @param segmentDestination what GetTraceSegmentDestination said: {@code XRay}, {@code CloudWatchLogs}
 *     or {@code unknown} (not asked yet, or the call failed)
 * @param segmentDestinationStatus {@code ACTIVE}, {@code PENDING} (a change not in effect yet: the path stays), or {@code ""}
 * @param pathSwitches how often the path changed since start
 * @param lastPathSwitchAt when it last changed
 * @param lastPathSwitch the last change and why ({@code xray → logs (destination CloudWatchLogs ACTIVE)})
 * @param warning a condition an operator must know about (CloudWatch Logs destination read by the X-Ray path …), or {@code ""}
 * @param lastError why the last tick did not complete, or {@code ""}
 * @param failedPollsInARow ticks that failed since the last one that completed
 * @param heldTraces traces with in-progress documents held back
 * @param heldRecords in-progress span records of {@code aws/spans} held back
 * @param trackedTraces traces in the delivered set
 * @param backPressured the last tick stopped because the sink was full
 * @param checkpointFile where the cursor and delivered ids are kept
 * @param lastCheckpoint when the checkpoint was last written
 * @param checkpointError why the last checkpoint write failed, or {@code ""}
 */
public record XRaySourceStatus(
    String name,
    String account,
    String region,
    State state,
    String path,
    Instant lastSuccessfulPoll,
    Instant cursor,
    Duration cursorLag,
    PollOutcome lastOutcome,
    Instant lastPollAt,
    Instant windowStart,
    Instant windowEnd,
    int throttlesLastMinute,
    String circuitState,
    String segmentDestination,
    String segmentDestinationStatus,
    int pathSwitches,
    Instant lastPathSwitchAt,
    String lastPathSwitch,
    String warning,
    String lastError,
    int failedPollsInARow,
    int heldTraces,
    int heldRecords,
    long trackedTraces,
    boolean backPressured,
    String checkpointFile,
    Instant lastCheckpoint,
    String checkpointError) {

  /** Lifecycle of a source. */
  public enum State {
    NEW,
    RUNNING,
    STOPPED
  }
}
