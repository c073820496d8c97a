package org.xraybridge.source.xray;

/** Ends a tick before its window was handed on, for a reason that is not an API failure. */
final class TickAborted extends RuntimeException {

  /** The sink answered OVERLOADED: nothing more is handed on, the cursor holds. */
  static final TickAborted OVERLOADED = new TickAborted("sink overloaded");
  /** The source was stopped while the tick ran. */
  static final TickAborted STOPPED = new TickAborted("source stopped");

  private TickAborted(String message) {
    super(message, null, false, false);
  }
}
