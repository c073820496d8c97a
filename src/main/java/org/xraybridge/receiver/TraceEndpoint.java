package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.Decoders.Codec;
import org.xraybridge.receiver.ReceiverMetrics.Refusal;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code /v0.3/traces}, {@code /v0.4/traces} and {@code /v0.5/traces}: decodes a payload, accounts
 * for every span it delimits in the {@link Ledger} ({@code received = accepted + dropped(RECEIVE, …)},
 * see {@link DecodeResult}) and hands the chunks to the next stage, answering once that stage answered
 * (at once in single mode; in kafka mode once the spans topic acknowledged, docs/cluster.md). A
 * malformed part is answered 400 with its reason while the traces that decoded are still taken;
 * overload is answered 429 when the tracer asked for real statuses, else 200, as the Agent does
 * (docs/receiver.md, "Status codes").
 */
final class TraceEndpoint {

  /** Which trace endpoint a request came to. */
  enum Version {
    V03,
    V04,
    V05
  }

  private static final Logger log = LoggerFactory.getLogger(TraceEndpoint.class);

  private final BodyReader bodies;
  private final Answers answers;
  private final Decoding decoding;
  private final NativeSink natives;
  private final Ledger ledger;
  private final Outcomes outcomes;

  TraceEndpoint(BodyReader bodies, Answers answers, Decoding decoding, NativeSink natives, Ledger ledger, Outcomes outcomes) {
    this.bodies = bodies;
    this.answers = answers;
    this.decoding = decoding;
    this.natives = natives;
    this.ledger = ledger;
    this.outcomes = outcomes;
  }

  Router.Handler handler(Version version) {
    return (req, res) -> handle(req, res, version);
  }

  private Mono<Void> handle(HttpServerRequest req, HttpServerResponse res, Version version) {
    HttpHeaders h = req.requestHeaders();
    boolean realStatus = RequestHeaders.wantsRealStatus(h);
    String traceCount = h.get(RequestHeaders.TRACE_COUNT);
    Codec codec = codec(version, h.get(HttpHeaderNames.CONTENT_TYPE));
    TracerInfo tracer = RequestHeaders.tracerInfo(h);
    return bodies.read(req, why -> refused(version, realStatus, traceCount, why),
            body -> decoding.run(body.length(), () -> process(body, codec, tracer, version, traceCount, realStatus)).flatMap(m -> m))
        .flatMap(reply -> answers.send(res, reply));
  }

  /**
   * Decodes, accounts, hands on; the reply, once the next stage answered. Runs on an event loop or a
   * decode thread; the answer may complete on another thread (kafka mode: when the spans topic
   * acknowledged), where only the reply is made.
   */
  private Mono<Reply> process(
      RequestBody body, Codec codec, TracerInfo tracer, Version version, String traceCount, boolean realStatus) {
    outcomes.metrics().incrementTracePayloads();
    DecodeResult r = decoding.decode(codec, body.bytes(), body.length(), tracer);
    body.release(); // the decoded spans no longer need the bytes
    ledger.received(Half.NATIVE, r.spansReceived);
    ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.MALFORMED, r.spansMalformed);
    ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.INVALID, r.spansInvalid);
    repaired("absurd_start", r.repairedStarts);
    repaired("negative_duration", r.repairedDurations);
    repaired("invalid_utf8", r.repairedStrings);
    checkTraceCount(traceCount, r.traces);

    List<TraceChunk> chunks = r.chunks;
    long spans = r.accepted();
    if (chunks.isEmpty()) return Mono.just(answer(Admission.ACCEPTED, r, spans, version, tracer, realStatus));
    return Mono.fromCompletionStage(offer(chunks, spans))
        .onErrorResume(e -> {
          // the sink's contract is to complete, never to fail: the spans are lost to this request, say so
          log.error("the native sink failed on {} spans; counted as overloaded", spans, e);
          return Mono.just(Admission.OVERLOADED);
        })
        .map(admission -> answer(admission, r, spans, version, tracer, realStatus));
  }

  /** Counts what the next stage's answer leaves to the receiver, and makes the reply. */
  private Reply answer(Admission admission, DecodeResult r, long spans, Version version, TracerInfo tracer, boolean realStatus) {
    switch (admission) {
      case ACCEPTED -> {
        if (spans > 0) outcomes.accepted(spans);
      }
      case OVERLOADED -> ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.OVERLOADED, spans);
      case SHED -> {} // the sink took the chunks and counted what it could not keep
    }
    if (r.malformed()) {
      String text = r.errorText();
      outcomes.refused(Refusal.MALFORMED, text);
      log.debug("{} {}: {}", version, tracer.language(), text);
      return Reply.text(HttpResponseStatus.BAD_REQUEST, text + "\n");
    }
    if (admission != Admission.ACCEPTED) {
      outcomes.refused(Refusal.OVERLOADED, admission == Admission.SHED
          ? "Overloaded: the spans topic did not acknowledge " + spans + " spans in time"
          : "Overloaded: the next stage refused " + spans + " spans");
      return overloaded(version, realStatus);
    }
    return taken(version);
  }

  private CompletionStage<Admission> offer(List<TraceChunk> chunks, long spans) {
    try {
      return natives.offer(chunks);
    } catch (RuntimeException e) {
      // The sink's contract is not to throw; if it does, the spans are lost to this request: say so.
      log.error("the native sink failed on {} spans; counted as overloaded", spans, e);
      return CompletableFuture.completedStage(Admission.OVERLOADED);
    }
  }

  /** A payload refused before decoding: its spans cannot be counted, its declared traces can. */
  private Reply refused(Version version, boolean realStatus, String traceCount, String why) {
    outcomes.metrics().incrementRefusedPayloads(RequestHeaders.count(traceCount));
    outcomes.refused(Refusal.OVERLOADED, "Overloaded: a trace payload was refused before decoding: " + why);
    return overloaded(version, realStatus);
  }

  /** The Agent answers 200 unless the tracer asked for real statuses; the body is still the rates, which tracers parse. */
  private static Reply overloaded(Version version, boolean realStatus) {
    return realStatus ? Reply.rates(HttpResponseStatus.TOO_MANY_REQUESTS) : taken(version);
  }

  private static Reply taken(Version version) {
    return version == Version.V03 ? Reply.ok() : Reply.rates(HttpResponseStatus.OK);
  }

  private void checkTraceCount(String header, int traces) {
    if (header == null) return;
    if (RequestHeaders.count(header) != traces) {
      outcomes.metrics().incrementTraceCountMismatches();
      log.debug("X-Datadog-Trace-Count {} but the body holds {} traces", header, traces);
    }
  }

  private void repaired(String what, int times) {
    for (int i = 0; i < times; i++) ledger.repaired(what);
  }

  /** The decoder for a version and media type. */
  static Codec codec(Version version, String contentType) {
    if (version == Version.V05) return Codec.MSGPACK_V05;
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    int semicolon = type.indexOf(';');
    if (semicolon >= 0) type = type.substring(0, semicolon);
    type = type.strip();
    if (type.equals("application/msgpack")) return Codec.MSGPACK_V04;
    if (type.equals("application/json") || type.equals("text/json")) return Codec.JSON;
    // No or an unknown media type: the Agent tries JSON, then msgpack; the decoders look at the body.
    return Codec.SNIFF;
  }
}
