package org.xraybridge.passthrough;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.model.PassThrough.Head;
import org.xraybridge.model.PassThrough.Header;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What an Agent without a feature answers (docs/receiver.md, "Everything else a tracer sends"): a
 * route that is not registered is Go's 404 {@code 404 page not found}, which tracers read as "this
 * Agent does not do that" and stay quiet (remote configuration, telemetry, profiling); the EVP proxy
 * and DogStatsD over HTTP, which the Agent keeps registered when switched off, answer 405. The body is
 * read and discarded first, so the connection stays usable.
 */
final class Unsupported {

  private Unsupported() {}

  static Flux<ByteBuffer> answer(AgentEndpoint family, Flow.Publisher<ByteBuffer> body, Consumer<Head> head) {
    return answer(status(family), text(family), body, head);
  }

  /** A request the pass-through does not relay as sent: 400. */
  static Flux<ByteBuffer> refused(Flow.Publisher<ByteBuffer> body, Consumer<Head> head) {
    return answer(400, "Malformed: this request path is not relayed as sent\n", body, head);
  }

  private static Flux<ByteBuffer> answer(int status, String answer, Flow.Publisher<ByteBuffer> body, Consumer<Head> head) {
    byte[] text = answer.getBytes(StandardCharsets.UTF_8);
    Head h = new Head(status, List.of(
        new Header("Content-Type", "text/plain; charset=utf-8"), new Header("Content-Length", String.valueOf(text.length))));
    return JdkFlowAdapter.flowPublisherToFlux(body).then().onErrorResume(e -> Mono.empty())
        .thenMany(Flux.defer(() -> {
          head.accept(h);
          return Flux.just(ByteBuffer.wrap(text));
        }));
  }

  static int status(AgentEndpoint family) {
    return switch (family) {
      case EVP_PROXY, DOGSTATSD -> 405;
      default -> 404;
    };
  }

  private static String text(AgentEndpoint family) {
    return switch (family) {
      case EVP_PROXY -> "EVPProxy is disabled: this xray-datadog-bridge has no Datadog Agent behind it\n";
      case DOGSTATSD -> "DogStatsD is disabled: this xray-datadog-bridge has no Datadog Agent behind it\n";
      default -> "404 page not found\n";
    };
  }
}
