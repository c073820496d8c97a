package org.xraybridge.source.xray;

import java.nio.file.Path;

/**
 * The checkpoint file cannot be read or written. Thrown by {@link XRayPoller#start()}, so a bad file
 * stops start-up with a message that names the file and what to do: the bridge never resets the
 * cursor to "now" by itself, because that would silently skip every trace since the last poll.
 */
public final class CheckpointException extends RuntimeException {

  private final Path file;

  CheckpointException(Path file, String message, Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  /** The checkpoint file concerned (absolute). */
  public Path file() {
    return file;
  }

  static CheckpointException corrupt(Path file, String what, Throwable cause) {
    return new CheckpointException(
        file,
        "Corrupt X-Ray checkpoint file " + file + ": " + what
            + ". The bridge does not reset the poll cursor by itself; restore the file, or delete it to"
            + " start polling from now − lag (bridge.xray.checkpoint-file)",
        cause);
  }

  static CheckpointException unwritable(Path file, Throwable cause) {
    return new CheckpointException(
        file,
        "Unwritable X-Ray checkpoint file " + file + ": " + cause
            + ". Make its directory writable or point bridge.xray.checkpoint-file elsewhere",
        cause);
  }
}
