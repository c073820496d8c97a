package org.xraybridge.receiver;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.model.PassThrough;
import org.xraybridge.model.PassThrough.Head;
import org.xraybridge.model.PassThrough.Header;
import org.xraybridge.receiver.ReceiverMetrics.Refusal;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Every path the receiver does not serve itself (docs/receiver.md, "Everything else a tracer sends"):
 * handed to the {@link PassThrough} with its body streaming in, and its answer streamed back. The
 * body has the receiver's gap timeout and minimum pace, counted only while the next hop is taking it,
 * and no size limit (a profile may be larger than a trace payload; memory holds a few buffers of it).
 * A body that stalls is answered 408 and the connection closed, as on the trace endpoints. The
 * answer's {@code Datadog-Agent-State} and {@code -Version} are the bridge's: tracers compare the
 * state with the {@code /info} the bridge served them.
 */
final class PassThroughEndpoint implements Router.Handler {

  private final PassThrough passThrough;
  private final Answers answers;
  private final ReceiverSettings settings;
  private final Outcomes outcomes;

  PassThroughEndpoint(PassThrough passThrough, Answers answers, ReceiverSettings settings, Outcomes outcomes) {
    this.passThrough = passThrough;
    this.answers = answers;
    this.settings = settings;
    this.outcomes = outcomes;
  }

  @Override
  public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    String target = RequestTarget.originForm(req.uri());
    if (target.isEmpty()) {
      String sent = req.uri().length() > 100 ? req.uri().substring(0, 100) + "…" : req.uri();
      String text = "Malformed: the request target is neither a path nor an http(s) URL: '" + sent + "'";
      outcomes.refused(Refusal.MALFORMED, text);
      return answers.drainThen(req, res, () -> answers.send(res, Reply.text(HttpResponseStatus.BAD_REQUEST, text + "\n")));
    }
    List<Header> headers = new ArrayList<>();
    for (Map.Entry<String, String> h : req.requestHeaders()) headers.add(new Header(h.getKey(), h.getValue()));
    AtomicReference<Throwable> bodyFailed = new AtomicReference<>();
    Flux<ByteBuffer> body = BodyPace.receive(req, settings.readTimeout(), settings.minBodyBytesPerSecond())
        .map(b -> ByteBuffer.wrap(ByteBufUtil.getBytes(b)))
        .doOnError(bodyFailed::set);
    PassThrough.Request request = new PassThrough.Request(AgentEndpoint.of(req.fullPath()), req.method().name(), target, headers,
        JdkFlowAdapter.publisherToFlowPublisher(body));
    AtomicReference<Head> told = new AtomicReference<>();
    Flux<ByteBuffer> answer = JdkFlowAdapter.flowPublisherToFlux(passThrough.relay(request, told::set));
    // the head is told before the answer's first signal, and must be set before anything is written
    return answer.switchOnFirst((first, rest) -> {
      head(res, told.get(), bodyFailed.get());
      return res.send(rest.map(Unpooled::wrappedBuffer));
    }).then();
  }

  /** The answer's status and headers; a body that failed on the tracer's side makes it 408 instead. */
  private void head(HttpServerResponse res, Head head, Throwable bodyFailed) {
    if (bodyFailed instanceof TimeoutException || bodyFailed instanceof BodyPace.TooSlow) {
      String why = bodyFailed instanceof BodyPace.TooSlow slow
          ? "the body arrived at " + slow.bytesPerSecond + " bytes/s, under the minimum of " + settings.minBodyBytesPerSecond()
          : "no body bytes for " + settings.readTimeout().toMillis() + " ms";
      outcomes.refused(Refusal.TIMED_OUT, "Timeout: " + why + " (to be relayed)");
      res.status(HttpResponseStatus.REQUEST_TIMEOUT).keepAlive(false).header(HttpHeaderNames.CONTENT_LENGTH, "0");
      return;
    }
    res.status(head.status());
    for (Header h : head.headers()) {
      if (h.name().equalsIgnoreCase(Answers.AGENT_STATE_HEADER) || h.name().equalsIgnoreCase(Answers.AGENT_VERSION_HEADER)) continue;
      res.responseHeaders().add(h.name(), h.value());
    }
    InfoDocument info = answers.info();
    res.header(Answers.AGENT_VERSION_HEADER, info.version()).header(Answers.AGENT_STATE_HEADER, info.state());
  }
}
