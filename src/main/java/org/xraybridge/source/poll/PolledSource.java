package org.xraybridge.source.poll;

import reactor.core.publisher.Mono;

/**
 * A source read window by window from an API: the unit that is opened, polled and stopped on its
 * own, with its own checkpoint, status and metrics. {@link PollLoop} polls it on a timer.
 */
public interface PolledSource {

  /** The source's name: the key of its checkpoint, status and metrics ({@code default} while there is one). */
  String name();

  /**
   * Loads the checkpoint (or writes the first one) and gets ready to poll. Once only.
   *
   * @throws CheckpointException when the checkpoint cannot be read back or written
   */
  void open();

  /**
   * Polls the next window now. Completes with what the tick came to and never fails; a call while
   * another poll runs, or before {@link #open()}, does nothing and completes with
   * {@link PollOutcome#SKIPPED}.
   */
  Mono<PollOutcome> poll();

  /** Stops polling (a running poll is cancelled) and writes the final checkpoint. Idempotent. */
  void stop();

  /**
   * Stops polling (a running poll is cancelled) and writes nothing more, not even a final checkpoint:
   * another replica may own the source already. Idempotent.
   */
  void abandon();
}
