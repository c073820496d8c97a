package org.xraybridge.receiver;

/**
 * The slowest a request body may arrive (docs/receiver.md, "Connections"): over every window of
 * {@code window} (the read timeout), at least {@code minBytesPerSecond} on average. A large upload
 * that keeps flowing is never cut, however long it takes; a body trickled a byte at a time, or one
 * sent in a burst and then held open a byte every few seconds, is answered 408 within two windows.
 * (A gap with no bytes at all is the read timeout's, where the body is read.) One per request, fed on
 * its event loop; not thread-safe.
 */
final class BodyPace {

  private final long minBytesPerSecond;
  private final long windowNanos;
  private long windowStart;
  private long windowBytes;

  BodyPace(long minBytesPerSecond, java.time.Duration window, long nowNanos) {
    this.minBytesPerSecond = minBytesPerSecond;
    this.windowNanos = window.toNanos();
    this.windowStart = nowNanos;
  }

  /** {@code n} bytes arrived at {@code nowNanos}; throws {@link TooSlow} when the window that closes was under the pace. */
  void arrived(long n, long nowNanos) {
    long elapsed = nowNanos - windowStart;
    if (elapsed >= windowNanos) {
      // the bytes that arrive now close the window: they count toward it
      long bytes = windowBytes + n;
      if (bytes * 1e9 < (double) minBytesPerSecond * elapsed) throw new TooSlow(bytes, elapsed);
      windowStart = nowNanos;
      windowBytes = 0;
      return;
    }
    windowBytes += n;
  }

  /**
   * {@code req}'s body within both limits: a {@link java.util.concurrent.TimeoutException} after {@code
   * gap} without bytes, a {@link TooSlow} under the pace.
   */
  static reactor.core.publisher.Flux<io.netty.buffer.ByteBuf> receive(
      reactor.netty.http.server.HttpServerRequest req, java.time.Duration gap, long minBytesPerSecond) {
    return reactor.core.publisher.Flux.defer(() -> {
      BodyPace pace = new BodyPace(minBytesPerSecond, gap, System.nanoTime());
      return req.receive().timeout(gap).doOnNext(b -> pace.arrived(b.readableBytes(), System.nanoTime()));
    });
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
