package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.receiver.ReceiverMetrics.Refusal;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Reads a request body into one array within the receiver's limits, and turns every way reading (or
 * what is then done with the body) can fail into its answer: 415 for a {@code Content-Encoding}, 413
 * for a body over {@code maxBodyBytes} (decided from {@code Content-Length} before reading when there
 * is one), the endpoint's overload answer when the buffered-bytes budget or the decode queue is full,
 * 408 after {@code readTimeout} without body bytes or when the body arrives slower than the minimum
 * pace ({@link BodyPace}), 500 for a bug. The reservation of the body's
 * bytes is given back when the request ends, whatever happened. Thread-safe.
 */
final class BodyReader {

  private static final Logger log = LoggerFactory.getLogger(BodyReader.class);

  /** An endpoint's answer when the receiver cannot hold or decode a body now; {@code why} in words. */
  @FunctionalInterface
  interface Overload {
    Reply refuse(String why);
  }

  private final ReceiverSettings settings;
  private final BodyBudget budget;
  private final Outcomes outcomes;

  BodyReader(ReceiverSettings settings, BodyBudget budget, Outcomes outcomes) {
    this.settings = settings;
    this.budget = budget;
    this.outcomes = outcomes;
  }

  /** Reads {@code req}'s body, then answers what {@code use} makes of it, or the refusal. */
  Mono<Reply> read(HttpServerRequest req, Overload overload, Function<RequestBody, Mono<Reply>> use) {
    HttpHeaders h = req.requestHeaders();
    String encoding = h.get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !encoding.isBlank() && !"identity".equalsIgnoreCase(encoding.strip())) {
      String text = "Unsupported Content-Encoding '" + encoding + "': send the body unencoded";
      outcomes.refused(Refusal.MALFORMED, text);
      return drainThen(req, Reply.text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, text + "\n"));
    }
    long length = RequestHeaders.contentLength(h);
    if (length > settings.maxBodyBytes()) return Mono.just(oversized(length));
    RequestBody body = RequestBody.reserve(length, settings.maxBodyBytes(), budget, Remote.address(req));
    if (body == null) return drainThen(req, overload.refuse("the buffer budget is full"));
    return receive(req)
        .doOnNext(body::append)
        .then(Mono.defer(() -> use.apply(body)))
        .onErrorResume(e -> Mono.just(failure(e, overload, req)))
        .doFinally(signal -> body.release());
  }

  private Reply failure(Throwable e, Overload overload, HttpServerRequest req) {
    if (e instanceof RequestBody.Oversized o) return oversized(o.bytes);
    if (e instanceof RequestBody.Overloaded) return overload.refuse("the buffer budget is full").closing();
    if (e instanceof RejectedExecutionException) return overload.refuse("the decode queue is full");
    if (e instanceof TimeoutException) return timedOut("Timeout: no body bytes for " + settings.readTimeout().toMillis() + " ms");
    if (e instanceof BodyPace.TooSlow slow) {
      return timedOut("Timeout: the body arrived at " + slow.bytesPerSecond + " bytes/s, under the minimum of "
          + settings.minBodyBytesPerSecond() + " over " + settings.readTimeout().toMillis() + " ms");
    }
    if (e instanceof reactor.netty.channel.AbortedException) {
      // a tracer that gave up (its own timeout, a restart) is no fault of ours: counted, not logged as one
      outcomes.refused(Refusal.ABORTED, "Aborted: the client closed the connection before its body ended");
      return Reply.text(HttpResponseStatus.BAD_REQUEST, "aborted\n").closing();
    }
    outcomes.failed("Internal error: " + e);
    log.warn("receiver failed on a request to {}", req.fullPath(), e);
    return Reply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error\n").closing();
  }

  private Reply timedOut(String text) {
    outcomes.refused(Refusal.TIMED_OUT, text);
    return Reply.text(HttpResponseStatus.REQUEST_TIMEOUT, "timeout\n").closing();
  }

  /** {@code req}'s body within the gap timeout and the minimum pace. */
  reactor.core.publisher.Flux<io.netty.buffer.ByteBuf> receive(HttpServerRequest req) {
    return BodyPace.receive(req, settings.readTimeout(), settings.minBodyBytesPerSecond());
  }

  private Reply oversized(long bytes) {
    String text = "Oversized: the body has " + (bytes > settings.maxBodyBytes() ? "more than " : "")
        + settings.maxBodyBytes() + " bytes, the limit (payload-too-large)";
    outcomes.refused(Refusal.OVERSIZED, text);
    return Reply.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, text + "\n").closing();
  }

  /** Reads and discards the body within the same limits, then answers {@code reply}; closing when the body stalled. */
  private Mono<Reply> drainThen(HttpServerRequest req, Reply reply) {
    return receive(req).then(Mono.just(reply)).onErrorResume(e -> Mono.just(reply.closing()));
  }
}
