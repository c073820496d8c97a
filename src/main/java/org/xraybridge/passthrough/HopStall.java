package org.xraybridge.passthrough;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;

/**
 * How long a next hop may take none of a relayed request body (docs/receiver.md, "Everything else a
 * tracer sends"). The client's own wait for an answer starts only once the whole body is written, and
 * the tracer's side is watched by the receiver's body pace, whose clock stands still while the next
 * hop asks for nothing; so without this, a next hop that accepted the request and stopped reading
 * would hold the tracer's connection and a pool connection until TCP gave up. The inverse of that
 * pace: only time in which the next hop asked for nothing counts. Requests and arrivals may come on
 * different threads.
 */
final class HopStall {

  private final long limitNanos;
  /** Buffers the next hop asked for and not yet given; {@link Long#MAX_VALUE} once unbounded. */
  private long outstanding;
  /** Since when the next hop has asked for nothing; -1 while it waits for bytes. */
  private long idleSince;

  private HopStall(Duration limit, long nowNanos) {
    this.limitNanos = limit.toNanos();
    this.idleSince = nowNanos;
  }

  /**
   * {@code body} as the next hop takes it, failed with a {@link TimeoutException} once it took nothing
   * for {@code limit}; {@code onStall} is told first (to close the connection the next hop stopped reading).
   */
  static Flux<ByteBuf> watch(Flux<ByteBuf> body, Duration limit, Consumer<TimeoutException> onStall) {
    Duration check = Duration.ofNanos(Math.max(10_000_000L, limit.toNanos() / 4));
    return Flux.defer(() -> {
      HopStall stall = new HopStall(limit, System.nanoTime());
      Flux<Long> stalled = Flux.interval(check).filter(t -> stall.stalled(System.nanoTime())).take(1);
      return body
          .doOnNext(b -> stall.given(System.nanoTime()))
          .doOnRequest(stall::requested)
          .timeout(stalled, b -> stalled)
          .onErrorMap(TimeoutException.class, e -> {
            TimeoutException why = new TimeoutException("the next hop took no request body bytes for " + limit.toMillis() + " ms");
            onStall.accept(why);
            return why;
          });
    });
  }

  synchronized void requested(long n) {
    if (n <= 0) return;
    outstanding = outstanding > Long.MAX_VALUE - n ? Long.MAX_VALUE : outstanding + n;
    idleSince = -1;
  }

  synchronized void given(long nowNanos) {
    if (outstanding != Long.MAX_VALUE && outstanding > 0) outstanding--;
    if (outstanding == 0) idleSince = nowNanos;
  }

  synchronized boolean stalled(long nowNanos) {
    return idleSince >= 0 && nowNanos - idleSince >= limitNanos;
  }
}
