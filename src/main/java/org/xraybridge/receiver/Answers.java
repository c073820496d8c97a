package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Writes replies as the Agent does: every answer but {@code /info}'s carries {@code
 * Datadog-Agent-Version} and {@code Datadog-Agent-State}, the SHA-256 of the {@code /info} body, which
 * tracers compare to decide whether to read {@code /info} again (docs/receiver.md, "/info").
 * Thread-safe.
 */
final class Answers {

  static final String AGENT_VERSION_HEADER = "Datadog-Agent-Version";
  static final String AGENT_STATE_HEADER = "Datadog-Agent-State";

  private final ReceiverSettings settings;
  private volatile InfoDocument info;

  Answers(ReceiverSettings settings) {
    this.settings = settings;
  }

  /** The server is bound: {@code /info} reports the real port. */
  void bound(int port) {
    info = InfoDocument.of(settings, port);
  }

  Mono<Void> send(HttpServerResponse res, Reply reply) {
    res.status(reply.status())
        .header(AGENT_VERSION_HEADER, InfoDocument.AGENT_VERSION)
        .header(AGENT_STATE_HEADER, info().state())
        .header(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
        .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(reply.body().length));
    if (reply.close()) res.keepAlive(false);
    return reply.body().length == 0 ? res.send().then() : res.sendByteArray(Mono.just(reply.body())).then();
  }

  /** The {@code /info} document, without the state headers (the Agent sends none with it). */
  Mono<Void> sendInfo(HttpServerResponse res) {
    byte[] body = info().body();
    return res.status(HttpResponseStatus.OK)
        .header(HttpHeaderNames.CONTENT_TYPE, Reply.JSON)
        .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(body.length))
        .sendByteArray(Mono.just(body)).then();
  }

  /**
   * Reads and discards the body (so the connection stays usable) within the body limits, then answers;
   * a body that stalls or trickles is cut and the connection closed after the answer.
   */
  Mono<Void> drainThen(HttpServerRequest req, HttpServerResponse res, java.util.function.Supplier<Mono<Void>> answer) {
    return BodyPace.receive(req, settings.readTimeout(), settings.minBodyBytesPerSecond()).then()
        .onErrorResume(e -> {
          res.keepAlive(false);
          return Mono.empty();
        })
        .then(Mono.defer(answer));
  }

  private InfoDocument info() {
    InfoDocument doc = info;
    return doc != null ? doc : InfoDocument.of(settings, settings.port()); // a request raced the bind callback
  }
}
