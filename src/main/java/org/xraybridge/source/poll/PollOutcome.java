package org.xraybridge.source.poll;

import org.xraybridge.model.MetricTag;

/** What one poll tick came to (the {@code outcome} tag of a source's {@code polls} metric). */
public enum PollOutcome implements MetricTag {
  /** Nothing has been polled yet. */
  NONE,
  /** The whole window was fetched and handed on; the cursor moved to its end. */
  COMPLETED,
  /**
   * The window was too long for one tick: what was read is handed on, the cursor stays, and the next
   * tick reads on from where this one stopped (a bounded catch-up).
   */
  PARTIAL,
  /** An API call failed after its retries, or the circuit was open: the cursor stayed. */
  FAILED,
  /** The sink answered OVERLOADED: what it took is marked delivered, the cursor stayed. */
  OVERLOADED,
  /** {@code now − lag} was not after the cursor (the clock went back): nothing was polled. */
  CLOCK_BEHIND,
  /** The previous poll was still running, or the source is not running: this tick did nothing. */
  SKIPPED
}
