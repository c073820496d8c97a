package org.xraybridge.source.poll;

/**
 * A checkpoint cannot be read or written. Thrown at start-up so a bad checkpoint stops the bridge
 * with a message that names it and what to do: the bridge never resets a cursor to "now" by itself,
 * because that would silently skip every trace since the last poll.
 */
public final class CheckpointException extends RuntimeException {

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
