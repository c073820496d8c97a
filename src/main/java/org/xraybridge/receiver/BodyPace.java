package org.xraybridge.receiver;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Flux;
import reactor.netty.http.server.HttpServerRequest;

/**
 * How slowly a request body may arrive (docs/receiver.md, "Connections"): no gap longer than {@code
 * gap} (the read timeout) between its bytes, and over every window of {@code gap} at least {@code
 * minBytesPerSecond} on average. A large upload that keeps flowing is never cut, however long it
 * takes; a body trickled a byte at a time, or sent in a burst and then held open a byte every few
 * seconds, is answered 408 within two windows.
 *
 * <p>Only time spent waiting for bytes counts: while the reader has asked for nothing (a relayed
 * body whose next hop reads slowly holds the client back), the clock stands still, so back-pressure
 * is never taken for a slow client. Requests and arrivals may come on different threads.
 */
final class BodyPace {

  private final long minBytesPerSecond;
  private final long gapNanos;
  /** Buffers asked for and not yet arrived; {@link Long#MAX_VALUE} once unbounded. */
  private long outstanding;
  /** When the current wait for bytes began; -1 when nothing is asked for. */
  private long waitingSince = -1;
  private long windowWaited;
  private long windowBytes;

  BodyPace(long minBytesPerSecond, Duration gap) {
    this.minBytesPerSecond = minBytesPerSecond;
    this.gapNanos = gap.toNanos();
  }

  /**
   * {@code req}'s body within both limits: a {@link TimeoutException} after {@code gap} of waiting
   * without bytes, a {@link TooSlow} under the pace.
   */
  static Flux<ByteBuf> receive(HttpServerRequest req, Duration gap, long minBytesPerSecond) {
    Duration check = Duration.ofNanos(Math.max(10_000_000L, gap.toNanos() / 4));
    return Flux.defer(() -> {
      BodyPace pace = new BodyPace(minBytesPerSecond, gap);
      Flux<Long> stall = Flux.interval(check).filter(t -> pace.stalled(System.nanoTime())).take(1);
      return req.receive()
          .doOnNext(b -> pace.arrived(b.readableBytes(), System.nanoTime()))
          .doOnRequest(n -> pace.requested(n, System.nanoTime()))
          .timeout(stall, b -> stall)
          .onErrorMap(e -> e instanceof TimeoutException ? new TimeoutException("no body bytes for " + gap.toMillis() + " ms") : e);
    });
  }

  synchronized void requested(long n, long nowNanos) {
    if (n <= 0) return;
    outstanding = outstanding > Long.MAX_VALUE - n ? Long.MAX_VALUE : outstanding + n;
    if (waitingSince < 0) waitingSince = nowNanos;
  }

  /** {@code n} bytes arrived; throws {@link TooSlow} when the window they close was under the pace. */
  synchronized void arrived(long n, long nowNanos) {
    if (waitingSince >= 0) windowWaited += nowNanos - waitingSince;
    if (outstanding != Long.MAX_VALUE && outstanding > 0) outstanding--;
    waitingSince = outstanding > 0 ? nowNanos : -1;
    windowBytes += n;
    if (windowWaited < gapNanos) return;
    // the bytes that arrive now close the window: they count toward it
    if (windowBytes * 1e9 < (double) minBytesPerSecond * windowWaited) throw new TooSlow(windowBytes, windowWaited);
    windowWaited = 0;
    windowBytes = 0;
  }

  /** Whether bytes have been asked for and awaited for a whole gap. */
  synchronized boolean stalled(long nowNanos) {
    return waitingSince >= 0 && nowNanos - waitingSince >= gapNanos;
  }

  /** The body arrived slower than the minimum pace: answered 408. */
  static final class TooSlow extends RuntimeException {
    final long bytesPerSecond;

    TooSlow(long bytes, long elapsedNanos) {
      super("the body arrived slower than the minimum pace", null, false, false);
      this.bytesPerSecond = elapsedNanos <= 0 ? bytes : (long) (bytes * 1e9 / elapsedNanos);
    }
  }
}
