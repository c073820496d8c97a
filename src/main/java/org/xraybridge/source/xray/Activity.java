package org.xraybridge.source.xray;

import java.time.Instant;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.source.xray.XRaySourceStatus.State;

/**
 * What an X-Ray source last did, as one immutable value the source swaps atomically; its status is
 * read from it. {@link Instant#EPOCH} means "never", {@code ""} means "none".
 */
record Activity(
    State state,
    Instant lastSuccess,
    Instant lastPollAt,
    Instant windowStart,
    Instant windowEnd,
    PollOutcome lastOutcome,
    String lastError,
    boolean backPressured,
    int failuresInARow) {

  static final Activity NEW =
      new Activity(State.NEW, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, PollOutcome.NONE, "", false, 0);

  Activity state(State s) {
    return new Activity(s, lastSuccess, lastPollAt, windowStart, windowEnd, lastOutcome, lastError, backPressured, failuresInARow);
  }

  /** A tick started on {@code [from, to)}. */
  Activity polling(Instant now, Instant from, Instant to) {
    return new Activity(state, lastSuccess, now, from, to, lastOutcome, lastError, backPressured, failuresInARow);
  }

  /** The window was handed on completely. */
  Activity completed(Instant now) {
    return new Activity(state, now, lastPollAt, windowStart, windowEnd, lastOutcome, "", false, 0);
  }

  /** The tick stopped: the sink was full. */
  Activity overloaded(String error) {
    return new Activity(state, lastSuccess, lastPollAt, windowStart, windowEnd, lastOutcome, error, true, failuresInARow);
  }

  /** The tick failed (an API error after retries, an open circuit). */
  Activity failed(String error) {
    return new Activity(state, lastSuccess, lastPollAt, windowStart, windowEnd, lastOutcome, error, backPressured, failuresInARow + 1);
  }

  Activity outcome(PollOutcome o) {
    return new Activity(state, lastSuccess, lastPollAt, windowStart, windowEnd, o, lastError, backPressured, failuresInARow);
  }

  /** The clock was behind the cursor at {@code now}: nothing polled. */
  Activity clockBehind(Instant now, String error) {
    return new Activity(state, lastSuccess, now, windowStart, windowEnd, PollOutcome.CLOCK_BEHIND, error, backPressured, failuresInARow);
  }
}
