package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.PassThrough;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Writes replies as the Agent does: every answer but {@code /info}'s carries {@code
 * Datadog-Agent-Version} and {@code Datadog-Agent-State}, the SHA-256 of the {@code /info} body, which
 * tracers compare to decide whether to read {@code /info} again (docs/receiver.md, "/info"). The
 * document follows what the pass-through discovers (the Agent's own, while it answers), rebuilt only
 * when that changes. Thread-safe.
 */
final class Answers {

  private static final Logger log = LoggerFactory.getLogger(Answers.class);

  static final String AGENT_VERSION_HEADER = "Datadog-Agent-Version";
  static final String AGENT_STATE_HEADER = "Datadog-Agent-State";

  private final ReceiverSettings settings;
  private final PassThrough passThrough;
  private volatile int port;
  /** The document and what it was built from: the discovery's Agent body (by identity) and endpoints. */
  private volatile Built built;

  private record Built(InfoDocument doc, byte[] agentInfo, java.util.List<String> endpoints, int port) {}

  Answers(ReceiverSettings settings, PassThrough passThrough) {
    this.settings = settings;
    this.passThrough = passThrough;
    this.port = settings.port();
  }

  /** The server is bound: {@code /info} reports the real port. */
  void bound(int boundPort) {
    port = boundPort;
  }

  Mono<Void> send(HttpServerResponse res, Reply reply) {
    InfoDocument info = info();
    res.status(reply.status())
        .header(AGENT_VERSION_HEADER, info.version())
        .header(AGENT_STATE_HEADER, info.state())
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
  Mono<Void> drainThen(HttpServerRequest req, HttpServerResponse res, Supplier<Mono<Void>> answer) {
    return BodyPace.receive(req, settings.readTimeout(), settings.minBodyBytesPerSecond()).then()
        .onErrorResume(e -> {
          res.keepAlive(false);
          return Mono.empty();
        })
        .then(Mono.defer(answer));
  }

  /** The current document: rebuilt when the discovery or the port changed since the last one. */
  InfoDocument info() {
    PassThrough.Discovery d = passThrough.discovery();
    Built b = built;
    int p = port;
    if (b != null && b.agentInfo == d.agentInfo() && b.endpoints.equals(d.endpoints()) && b.port == p) return b.doc;
    InfoDocument doc = InfoDocument.of(settings, p, d);
    if (b != null && b.doc.fromAgent() != doc.fromAgent()) {
      log.info(doc.fromAgent() ? "/info: the Agent answers; tracers are told its document"
          : "/info: the Agent cannot be reached; tracers are told the bridge's own document until it answers");
    }
    built = new Built(doc, d.agentInfo(), d.endpoints(), p);
    return doc;
  }
}
