package org.xraybridge.source.xray;

import java.time.Instant;
import org.xraybridge.source.poll.CheckpointWriter.Snapshot;
import org.xraybridge.source.poll.PollCursor;

/**
 * What an X-Ray source's checkpoint saves — the cursor and the delivered set — under one lock, this
 * object's monitor. Each trace's hand-off and its marks run under it too ({@link WindowFetch}), so a
 * snapshot never holds a chunk handed on but not marked; once {@link #stop()} ran, nothing more is
 * handed on and the cursor no longer moves, so the final checkpoint is final.
 */
final class XRayPollState {

  final PollCursor cursor;
  final DeliveredSegments delivered;
  /** In-progress span records of the logs path. */
  final HeldEvents heldEvents;
  /** The path the cursor belongs to; written under this lock, read anywhere. */
  private volatile SourcePath path = SourcePath.XRAY;
  private boolean stopped; // guarded by this
  /** Set before the lock is taken to stop: the hand-off loop re-takes the lock trace by trace and would win it. */
  private volatile boolean stopping;
  private long sequence; // guarded by this

  XRayPollState(PollCursor cursor, DeliveredSegments delivered, HeldEvents heldEvents) {
    this.cursor = cursor;
    this.delivered = delivered;
    this.heldEvents = heldEvents;
  }

  synchronized void resume(XRayCheckpoint saved) {
    cursor.resumeAt(saved.cursor()); // first: it is the delivered set's clock
    delivered.restore(saved.traces(), saved.cursor());
    heldEvents.restore(saved.heldEvents());
    path = saved.path();
  }

  SourcePath path() {
    return path;
  }

  /**
   * The source reads by {@code next} from now on. The cursor stays: the new path's first window starts
   * where the old one's next would have, at the cursor minus the overlap, and the delivered set is the
   * same, so nothing read by both is sent twice.
   */
  synchronized void switchTo(SourcePath next) {
    path = next;
  }

  synchronized void startAt(Instant now) {
    cursor.startAt(now);
  }

  synchronized PollCursor.Next next(Instant now) {
    return cursor.next(now);
  }

  /**
   * The window was handed on completely: the cursor moves to its end.
   *
   * @throws TickAborted when the source stopped meanwhile
   */
  synchronized void completed(PollCursor.Window window) {
    checkRunning();
    cursor.completed(window);
  }

  /** @throws TickAborted when the source stopped */
  synchronized void checkRunningLocked() {
    checkRunning();
  }

  /** @throws TickAborted when the source stopped; call under this lock before handing anything on */
  void checkRunning() {
    if (stopped || stopping) throw TickAborted.STOPPED;
  }

  /** Stops the hand-offs: returns once the one in progress, if any, is done (the monitor is not fair). */
  void stop() {
    stopping = true;
    synchronized (this) {
      stopped = true;
    }
  }

  synchronized boolean stopped() {
    return stopped;
  }

  /** The checkpoint as of now, numbered after every snapshot taken before it. */
  synchronized Snapshot<XRayCheckpoint> snapshot(String source, Instant now) {
    return new Snapshot<>(++sequence, now,
        new XRayCheckpoint(source, path, cursor.cursor(), now, delivered.snapshot(), heldEvents.snapshot()));
  }
}
