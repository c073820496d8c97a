package org.xraybridge.receiver;

import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.Decoders.Codec;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where a body is decoded: bodies up to {@value #INLINE_DECODE_MAX_BYTES} bytes on the event loop that
 * read them (cheaper than a thread hop), larger ones on a few bounded decode threads with a bounded
 * queue; a full queue fails the work with {@code RejectedExecutionException}, answered as overload.
 * Each thread decodes with its own {@link Decoders}, so no decoder state is shared.
 */
final class Decoding implements AutoCloseable {

  /** Bodies up to this size are decoded on the event loop; larger ones on the decode threads. */
  static final int INLINE_DECODE_MAX_BYTES = 32 * 1024;
  /** Large bodies waiting for a decode thread, at most (their bytes also count in the budget). */
  static final int DECODE_QUEUE = 256;

  private final Scheduler threads;
  private final ThreadLocal<Decoders> decoders;

  Decoding(int decodeThreads, LongSupplier nowNanos, boolean keepBytes) {
    this.threads = Schedulers.newBoundedElastic(decodeThreads, DECODE_QUEUE, "bridge-receiver-decode", 60, true);
    this.decoders = ThreadLocal.withInitial(() -> new Decoders(nowNanos, keepBytes));
  }

  /** Runs {@code work} on an event loop or a decode thread, by the size of the body it decodes. */
  <T> Mono<T> run(int bodyLength, Callable<T> work) {
    Mono<T> mono = Mono.fromCallable(work);
    return bodyLength <= INLINE_DECODE_MAX_BYTES ? mono : mono.subscribeOn(threads);
  }

  /** Decodes on the calling thread, which must be one {@link #run} chose. */
  DecodeResult decode(Codec codec, byte[] body, int length, TracerInfo tracer) {
    return decoders.get().decode(codec, body, length, tracer);
  }

  @Override
  public void close() {
    threads.dispose();
  }
}
