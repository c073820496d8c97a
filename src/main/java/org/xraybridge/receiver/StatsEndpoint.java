package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Arrays;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePackException;
import org.msgpack.value.ValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ClientStatsSink;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.ReceiverMetrics.Refusal;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code /v0.6/stats}: a tracer's {@code ClientStatsPayload}, handed to the {@link ClientStatsSink} as
 * sent. This is the one place that checks such a body is exactly one msgpack map, so nothing else
 * travels further: anything else is answered 400 with the reason. Overload is answered 429 when the
 * tracer asked for real statuses, else 200, as the Agent does. The check walks the whole body, so a
 * large one runs on a decode thread, as a large trace payload does ({@link Decoding}).
 */
final class StatsEndpoint implements Router.Handler {

  private static final Logger log = LoggerFactory.getLogger(StatsEndpoint.class);

  private final BodyReader bodies;
  private final Answers answers;
  private final Decoding decoding;
  private final ClientStatsSink sink;
  private final Outcomes outcomes;

  StatsEndpoint(BodyReader bodies, Answers answers, Decoding decoding, ClientStatsSink sink, Outcomes outcomes) {
    this.bodies = bodies;
    this.answers = answers;
    this.decoding = decoding;
    this.sink = sink;
    this.outcomes = outcomes;
  }

  @Override
  public Mono<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    boolean realStatus = RequestHeaders.wantsRealStatus(req.requestHeaders());
    TracerInfo tracer = RequestHeaders.tracerInfo(req.requestHeaders());
    return bodies.read(req, why -> overloaded(realStatus), body -> decoding.run(body.length(), () -> handOn(body, tracer, realStatus)))
        .flatMap(reply -> answers.send(res, reply));
  }

  private Reply handOn(RequestBody body, TracerInfo tracer, boolean realStatus) {
    byte[] bytes = Arrays.copyOf(body.bytes(), body.length());
    body.release();
    String problem = notOneMap(bytes);
    if (!problem.isEmpty()) {
      String text = "Malformed: a stats payload is one msgpack map (ClientStatsPayload); " + problem;
      outcomes.refused(Refusal.MALFORMED, text);
      return Reply.text(HttpResponseStatus.BAD_REQUEST, text + "\n");
    }
    Admission a;
    try {
      a = sink.offer(bytes, tracer);
    } catch (RuntimeException e) {
      log.error("the client-stats sink failed; counted as overloaded", e);
      a = Admission.OVERLOADED;
    }
    if (a != Admission.ACCEPTED) return overloaded(realStatus);
    outcomes.metrics().incrementStatsPayloads();
    return Reply.empty(HttpResponseStatus.OK);
  }

  private Reply overloaded(boolean realStatus) {
    outcomes.refused(Refusal.OVERLOADED, "Overloaded: a stats payload was refused");
    return realStatus
        ? Reply.text(HttpResponseStatus.TOO_MANY_REQUESTS, "Overloaded\n")
        : Reply.empty(HttpResponseStatus.OK);
  }

  /** Why {@code body} is not exactly one msgpack map, in words; {@code ""} when it is. */
  static String notOneMap(byte[] body) {
    if (body.length == 0) return "the body is empty";
    MessageFormat first = MessageFormat.valueOf(body[0]);
    if (first == MessageFormat.NEVER_USED) return "the body starts with the reserved byte 0xc1";
    if (first.getValueType() != ValueType.MAP) return "the body is " + MsgpackReader.describe(first);
    MsgpackCursor cursor = new MsgpackCursor();
    cursor.reset(body, body.length);
    try {
      cursor.skipValue();
    } catch (MessageInsufficientBufferException e) {
      return "the body ends at byte " + body.length + " inside the map";
    } catch (MessagePackException e) {
      return MsgpackReader.describe(e) + " at byte " + cursor.position();
    }
    int rest = body.length - cursor.position();
    return rest == 0 ? "" : rest + " bytes follow the map";
  }
}
