package org.xraybridge.source.poll;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Polls a {@link PolledSource} every interval, starting now. A tick that finds the previous poll
 * still running is dropped and reported, so a slow poll never piles ticks up and a source is never
 * polled twice at once.
 */
public final class PollLoop {

  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);

  private final Disposable ticks;

  private PollLoop(Disposable ticks) {
    this.ticks = ticks;
  }

  /** Starts polling {@code source}; {@code skipped} runs for every tick dropped. */
  public static PollLoop start(PolledSource source, Duration interval, Runnable skipped) {
    return new PollLoop(
        Flux.interval(Duration.ZERO, interval, Schedulers.parallel())
            .onBackpressureDrop(tick -> skipped.run())
            .concatMap(tick -> source.poll(), 0)
            .subscribe(outcome -> {}, e -> log.error("The poll loop of source {} ended unexpectedly", source.name(), e)));
  }

  /** Stops the ticks and cancels a running poll. */
  public void stop() {
    ticks.dispose();
  }
}
