package org.xraybridge.source.poll;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A polled source's cursor and the window each tick reads from it: {@code [cursor − overlap,
 * min(now − lag, cursor − overlap + maxWindow))}. The cursor moves to a window's end only when its
 * owner says the window was handed on completely. When the clock went back ({@code now − lag} not
 * after the cursor) nothing is polled, and past one poll interval the cursor is rewound to
 * {@code now − lag}: re-reading is de-duplicated, skipping is not. Why each bound: docs/xray-source.md
 * "Window and cursor".
 *
 * <p>Not thread-safe: the owner moves it under its own lock; {@link #cursor()} may be read anywhere.
 */
public final class PollCursor {

  /** How windows are cut. */
  public record Timing(Duration pollInterval, Duration lag, Duration overlap, Duration maxWindow) {
    public Timing {
      Objects.requireNonNull(pollInterval, "pollInterval == null");
      Objects.requireNonNull(lag, "lag == null");
      Objects.requireNonNull(overlap, "overlap == null");
      Objects.requireNonNull(maxWindow, "maxWindow == null");
    }
  }

  /** What a tick at {@code now} is to do. */
  public sealed interface Next permits Window, Behind {}

  /** Poll {@code [from, to)}; {@code now} is when the tick started. */
  public record Window(Instant now, Instant from, Instant to) implements Next {}

  /**
   * {@code end} ({@code now − lag}) is not after {@code cursor}: nothing to poll. {@code rewound}: the
   * jump exceeded one poll interval, so the cursor now stands at {@code end}.
   */
  public record Behind(Instant now, Instant end, Instant cursor, Duration behind, boolean rewound) implements Next {}

  private final Timing timing;
  private volatile Instant cursor = Instant.EPOCH;
  /** End of the furthest window handed out: no document read so far is later. */
  private volatile Instant readingTo = Instant.EPOCH;
  /** The longest window for now, below maxWindow after a window held too much to read in one tick. */
  private volatile Duration windowLimit;

  public PollCursor(Timing timing) {
    this.timing = Objects.requireNonNull(timing, "timing == null");
    this.windowLimit = timing.maxWindow();
  }

  /** No checkpoint yet: the first window looks back overlap + one poll interval from {@code now − lag}. */
  public void startAt(Instant now) {
    cursor = now.minus(timing.lag()).minus(timing.pollInterval());
    readingTo = cursor;
  }

  /** Resumes from a checkpointed cursor. */
  public void resumeAt(Instant saved) {
    cursor = Objects.requireNonNull(saved, "saved == null");
    readingTo = saved;
  }

  /** End of the last window handed on completely; {@link Instant#EPOCH} before the first start. */
  public Instant cursor() {
    return cursor;
  }

  /** End of the furthest window {@link #next} handed out (or the cursor, before any): how far reading reached. */
  public Instant readingTo() {
    return readingTo;
  }

  /** Where the next window starts. */
  public Instant windowStart() {
    return cursor.minus(timing.overlap());
  }

  /** {@code now − cursor}: how far behind real time the source is; zero before the first start. */
  public Duration lag(Instant now) {
    Instant c = cursor;
    return c.equals(Instant.EPOCH) ? Duration.ZERO : Duration.between(c, now);
  }

  /** The window a tick at {@code now} polls, or why it polls nothing (rewinding when the clock went back far). */
  public Next next(Instant now) {
    Instant c = cursor;
    Instant end = now.minus(timing.lag());
    if (!end.isAfter(c)) {
      Duration behind = Duration.between(end, c);
      boolean rewind = behind.compareTo(timing.pollInterval()) > 0;
      if (rewind) cursor = end;
      return new Behind(now, end, c, behind, rewind);
    }
    Instant from = c.minus(timing.overlap());
    Duration limit = windowLimit;
    Instant to = Duration.between(from, end).compareTo(limit) > 0 ? from.plus(limit) : end;
    if (to.isAfter(readingTo)) readingTo = to;
    return new Window(now, from, to);
  }

  /** {@code window} was handed on completely: the cursor moves to its end, never back; a narrowed limit widens again. */
  public void completed(Window window) {
    if (window.to().isAfter(cursor)) cursor = window.to();
    Duration limit = windowLimit;
    if (limit.compareTo(timing.maxWindow()) < 0) {
      Duration twice = limit.multipliedBy(2);
      windowLimit = twice.compareTo(timing.maxWindow()) < 0 ? twice : timing.maxWindow();
    }
  }

  /**
   * {@code window} held more than one tick may read: the next windows are half as long, but never so
   * short that one could not move the cursor (the overlap plus one second). Returns the new limit.
   */
  public Duration narrow(Window window) {
    Duration floor = timing.overlap().plusSeconds(1);
    Duration half = Duration.between(window.from(), window.to()).dividedBy(2);
    windowLimit = half.compareTo(floor) > 0 ? half : floor;
    return windowLimit;
  }
}
