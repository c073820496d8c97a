package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.msgpack.core.MessageFormat;
import org.msgpack.value.ValueType;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ClientStatsSink;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.Decoders.Codec;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * A Datadog-Agent-compatible trace receiver (WIRE.md §C, MAPPING.md §8): Datadog tracers pointed at
 * it ({@code DD_TRACE_AGENT_URL}) talk to it exactly as to an Agent. Built on Reactor Netty's
 * {@link HttpServer} directly, on its own event loops and port, so it can refuse an oversized body from
 * its {@code Content-Length} before reading it and bound what chunked bodies may buffer.
 *
 * <h2>Endpoints</h2>
 *
 * <table>
 *   <caption>What each path answers</caption>
 *   <tr><th>path</th><th>answer</th></tr>
 *   <tr><td>{@code GET /info}</td><td>200, {@link InfoDocument}</td></tr>
 *   <tr><td>{@code PUT|POST /v0.4/traces}, {@code /v0.5/traces}</td><td>200 {@code {"rate_by_service":{"service:,env:":1}}}</td></tr>
 *   <tr><td>{@code PUT|POST /v0.3/traces}</td><td>200 {@code OK\n} (msgpack or JSON by {@code Content-Type})</td></tr>
 *   <tr><td>{@code PUT|POST /v0.6/stats}</td><td>200, empty; the body goes to the {@link ClientStatsSink}</td></tr>
 *   <tr><td>{@code /telemetry/proxy/…}</td><td>202, the body is read and discarded</td></tr>
 *   <tr><td>anything else</td><td>404 (405 for a known path with the wrong method)</td></tr>
 * </table>
 *
 * Every answer but {@code /info}'s carries {@code Datadog-Agent-Version} and {@code Datadog-Agent-State}
 * (the SHA-256 of the {@code /info} body), as the Agent's do (WIRE.md §C6).
 *
 * <h2>Bad input and limits</h2>
 *
 * <ul>
 *   <li>Body over {@code maxBodyBytes}: 413, decided from {@code Content-Length} before reading (the
 *       connection is then closed), or when a chunked body grows past it.
 *   <li>Undecodable parts: 400 with the reason; the traces that decoded are still taken (a bad
 *       trace never costs the good ones beside it when the framing lets the decoder find them).
 *   <li>{@code Content-Encoding} other than identity: 415. Browser cross-site requests
 *       ({@code Sec-Fetch-Site: cross-site}): 403, as the Agent.
 *   <li>No more than {@code readTimeout} between two reads of a body: else 408 and close.
 *   <li>Overload — the next stage answers {@link Admission#OVERLOADED}, the buffered-bytes budget is
 *       full, or the decode queue is: 429 when the tracer sent a truthy {@code
 *       Datadog-Send-Real-Http-Status}, else 200, exactly as the Agent (WIRE.md §C6).
 * </ul>
 *
 * <h2>Accounting</h2>
 *
 * Spans, through the {@link Ledger}: every span the decoder delimits is {@code received(NATIVE)}; each
 * then is accepted by the next stage or {@code dropped(RECEIVE, MALFORMED | INVALID | OVERLOADED)}, so
 * at the receiver {@code received = accepted + dropped} per payload (see {@link DecodeResult}). Repairs
 * ({@code absurd_start}, {@code negative_duration}, {@code invalid_utf8}) go to {@code
 * Ledger.repaired}. Requests whose spans were never decoded — 413, or refused before decoding under
 * overload — cannot be counted in spans; {@link ReceiverStatus} counts them, with everything else a
 * health indicator needs.
 *
 * <h2>Threads</h2>
 *
 * Bodies up to {@value #INLINE_DECODE_MAX_BYTES} bytes are decoded on the event loop that read them
 * (cheaper than a thread hop); larger ones on {@code decodeThreads} bounded decode threads with a
 * bounded queue. The sinks are non-blocking by contract, so nothing here blocks an event loop.
 * {@link #start()} and {@link #stop()} are synchronized; everything else is thread-safe.
 */
public final class AgentReceiver implements AutoCloseable {

  /** Bodies up to this size are decoded on the event loop; larger ones on the decode threads. */
  static final int INLINE_DECODE_MAX_BYTES = 32 * 1024;
  /** Large bodies waiting for a decode thread, at most (their bytes also count in the budget). */
  static final int DECODE_QUEUE = 256;
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  static final String AGENT_VERSION_HEADER = "Datadog-Agent-Version";
  static final String AGENT_STATE_HEADER = "Datadog-Agent-State";

  private static final Logger log = LoggerFactory.getLogger(AgentReceiver.class);
  private static final byte[] RATES = ascii("{\"rate_by_service\":{\"service:,env:\":1}}");
  private static final byte[] OK = ascii("OK\n");
  private static final byte[] EMPTY = new byte[0];
  private static final String JSON = "application/json";
  private static final String TEXT = "text/plain; charset=utf-8";

  private final ReceiverSettings settings;
  private final NativeSink natives;
  private final ClientStatsSink stats;
  private final Ledger ledger;
  private final Clock clock;
  private final ByteBudget budget;
  private final ThreadLocal<Decoders> decoders;

  private final AtomicInteger openConnections = new AtomicInteger();
  private final LongAdder requests = new LongAdder();
  private final LongAdder infoRequests = new LongAdder();
  private final LongAdder tracePayloads = new LongAdder();
  private final LongAdder acceptedPayloads = new LongAdder();
  private final LongAdder acceptedSpans = new LongAdder();
  private final LongAdder malformedRequests = new LongAdder();
  private final LongAdder oversizedRequests = new LongAdder();
  private final LongAdder overloadedRequests = new LongAdder();
  private final LongAdder refusedPayloads = new LongAdder();
  private final LongAdder refusedTraces = new LongAdder();
  private final LongAdder timedOutRequests = new LongAdder();
  private final LongAdder notFoundRequests = new LongAdder();
  private final LongAdder forbiddenRequests = new LongAdder();
  private final LongAdder refusedConnections = new LongAdder();
  private final LongAdder traceCountMismatches = new LongAdder();
  private final LongAdder statsPayloads = new LongAdder();
  private final LongAdder telemetryDiscarded = new LongAdder();
  private volatile Instant lastAcceptedAt = Instant.EPOCH;
  private volatile String lastError = "";
  private volatile Instant lastErrorAt = Instant.EPOCH;

  private volatile InfoDocument info;
  private DisposableServer server;
  private LoopResources loops;
  private Scheduler decodeScheduler;

  /**
   * @param settings where to listen and what to bound
   * @param natives where decoded chunks go (the merge stage); all or nothing, non-blocking
   * @param stats where {@code /v0.6/stats} bodies go (the forward stage); non-blocking
   * @param ledger the drop ledger (spans received, dropped, repairs)
   * @param clock for the status times and the Agent's start-time repair
   */
  public AgentReceiver(
      ReceiverSettings settings, NativeSink natives, ClientStatsSink stats, Ledger ledger, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.natives = Objects.requireNonNull(natives, "natives == null");
    this.stats = Objects.requireNonNull(stats, "stats == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.budget = new ByteBudget(settings.maxBufferedBytes());
    LongSupplier nowNanos = () -> TimeCodec.epochNanos(clock);
    this.decoders = ThreadLocal.withInitial(() -> new Decoders(nowNanos));
  }

  /**
   * Binds and starts serving. Fails, naming the address, when the port cannot be bound (a
   * configuration error: the bridge must not start half-deaf).
   */
  public synchronized void start() {
    if (server != null) return;
    int workers = Math.max(2, Runtime.getRuntime().availableProcessors());
    loops = LoopResources.create("bridge-receiver", 1, workers, true);
    decodeScheduler = Schedulers.newBoundedElastic(
        settings.decodeThreads(), DECODE_QUEUE, "bridge-receiver-decode", 60, true);
    try {
      server = HttpServer.create()
          .runOn(loops)
          .host(settings.host())
          .port(settings.port())
          .protocol(HttpProtocol.HTTP11)
          .idleTimeout(IDLE_TIMEOUT)
          .doOnChannelInit((observer, channel, remote) -> {
            int open = openConnections.incrementAndGet();
            channel.closeFuture().addListener(f -> openConnections.decrementAndGet());
            if (open > settings.maxConnections()) {
              refusedConnections.increment();
              error("Overloaded: " + open + " connections open, the limit is " + settings.maxConnections());
              channel.close();
            }
          })
          .doOnBound(bound -> info = InfoDocument.of(settings, bound.port()))
          .handle(this::handle)
          .bindNow(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      decodeScheduler.dispose();
      loops.dispose();
      loops = null;
      throw new IllegalStateException(
          "the receiver could not listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    log.info("Datadog Agent-compatible receiver listening on {}:{} (max body {} bytes)",
        settings.host(), server.port(), settings.maxBodyBytes());
  }

  /** Stops accepting, lets requests in progress finish for up to 5 s, and frees the threads. */
  public synchronized void stop() {
    if (server == null) return;
    try {
      server.disposeNow(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.warn("receiver did not stop within 5 s", e);
    }
    server = null;
    decodeScheduler.dispose();
    // no quiet period: the server is already closed, nothing can arrive any more
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(6));
    loops = null;
  }

  @Override
  public void close() {
    stop();
  }

  /** The bound port while running (the real one when configured as 0), else the configured one. */
  public synchronized int port() {
    return server != null ? server.port() : settings.port();
  }

  public ReceiverStatus status() {
    boolean running;
    int port;
    synchronized (this) {
      running = server != null;
      port = running ? server.port() : settings.port();
    }
    return new ReceiverStatus(
        running, port, openConnections.get(), requests.sum(), infoRequests.sum(), tracePayloads.sum(),
        acceptedPayloads.sum(), acceptedSpans.sum(), lastAcceptedAt, malformedRequests.sum(),
        oversizedRequests.sum(), overloadedRequests.sum(), refusedPayloads.sum(), refusedTraces.sum(),
        timedOutRequests.sum(), notFoundRequests.sum(), forbiddenRequests.sum(), refusedConnections.sum(),
        traceCountMismatches.sum(), statsPayloads.sum(), telemetryDiscarded.sum(), lastError, lastErrorAt);
  }

  // ---------------------------------------------------------------------------------------------
  // routing

  private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    requests.increment();
    InfoDocument doc = info;
    if (doc == null) doc = InfoDocument.of(settings, settings.port()); // a request raced the bind callback
    String path = req.fullPath();
    HttpMethod method = req.method();
    HttpHeaders headers = req.requestHeaders();
    if ("cross-site".equalsIgnoreCase(headers.get("Sec-Fetch-Site"))) {
      forbiddenRequests.increment();
      return drainThen(req, send(res, doc, Reply.text(HttpResponseStatus.FORBIDDEN, "Forbidden: cross-site requests are refused\n")));
    }
    switch (path) {
      case "/info" -> {
        if (!method.equals(HttpMethod.GET)) return wrongMethod(req, res, doc, "GET");
        infoRequests.increment();
        return drainThen(req, res.status(HttpResponseStatus.OK)
            .header(HttpHeaderNames.CONTENT_TYPE, JSON)
            .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(doc.body().length))
            .sendByteArray(Mono.just(doc.body())).then());
      }
      case "/v0.4/traces" -> {
        return isPutOrPost(method) ? traces(req, res, doc, Endpoint.V04) : wrongMethod(req, res, doc, "PUT, POST");
      }
      case "/v0.5/traces" -> {
        return isPutOrPost(method) ? traces(req, res, doc, Endpoint.V05) : wrongMethod(req, res, doc, "PUT, POST");
      }
      case "/v0.3/traces" -> {
        return isPutOrPost(method) ? traces(req, res, doc, Endpoint.V03) : wrongMethod(req, res, doc, "PUT, POST");
      }
      case "/v0.6/stats" -> {
        return isPutOrPost(method) ? stats(req, res, doc) : wrongMethod(req, res, doc, "PUT, POST");
      }
      default -> {
        if (path.equals("/telemetry/proxy") || path.startsWith("/telemetry/proxy/")) {
          telemetryDiscarded.increment();
          return drainThen(req, send(res, doc, new Reply(HttpResponseStatus.ACCEPTED, TEXT, EMPTY, false)));
        }
        notFoundRequests.increment();
        return drainThen(req, send(res, doc, Reply.text(HttpResponseStatus.NOT_FOUND, "404 page not found\n")));
      }
    }
  }

  private Mono<Void> wrongMethod(HttpServerRequest req, HttpServerResponse res, InfoDocument doc, String allowed) {
    notFoundRequests.increment();
    res.header(HttpHeaderNames.ALLOW, allowed);
    return drainThen(req, send(res, doc, Reply.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed: use " + allowed + "\n")));
  }

  // ---------------------------------------------------------------------------------------------
  // traces

  /** Which trace endpoint a request came to. */
  enum Endpoint {
    V03,
    V04,
    V05
  }

  private Mono<Void> traces(HttpServerRequest req, HttpServerResponse res, InfoDocument doc, Endpoint endpoint) {
    HttpHeaders h = req.requestHeaders();
    boolean realStatus = truthy(h.get("Datadog-Send-Real-Http-Status"));
    String traceCount = h.get("X-Datadog-Trace-Count");
    Reply refusal = checkHead(h);
    if (refusal != null) return drainThen(req, send(res, doc, refusal));
    long length = contentLength(h);
    if (length > settings.maxBodyBytes()) return send(res, doc, oversized(length));
    RequestBody body = RequestBody.reserve(length, settings.maxBodyBytes(), budget);
    if (body == null) return drainThen(req, send(res, doc, refused(endpoint, realStatus, traceCount, "the buffer budget is full")));
    Codec codec = codec(endpoint, h.get(HttpHeaderNames.CONTENT_TYPE));
    TracerInfo tracer = tracerInfo(h);
    return req.receive()
        .timeout(settings.readTimeout())
        .doOnNext(body::append)
        .then(Mono.defer(() -> decode(body, codec, tracer, endpoint, traceCount, realStatus)))
        .onErrorResume(e -> Mono.just(failure(e, endpoint, realStatus, traceCount)))
        .flatMap(reply -> send(res, doc, reply))
        .doFinally(signal -> body.release());
  }

  private Mono<Reply> decode(
      RequestBody body, Codec codec, TracerInfo tracer, Endpoint endpoint, String traceCount, boolean realStatus) {
    Mono<Reply> work = Mono.fromCallable(() -> process(body, codec, tracer, endpoint, traceCount, realStatus));
    return body.length() <= INLINE_DECODE_MAX_BYTES ? work : work.subscribeOn(decodeScheduler);
  }

  /** Decodes, accounts, hands on; the reply to send. Runs on an event loop or a decode thread. */
  private Reply process(
      RequestBody body, Codec codec, TracerInfo tracer, Endpoint endpoint, String traceCount, boolean realStatus) {
    tracePayloads.increment();
    DecodeResult r = decoders.get().decode(codec, body.bytes(), body.length(), tracer);
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
    Admission admission = chunks.isEmpty() ? Admission.ACCEPTED : offer(chunks, spans);
    if (admission == Admission.ACCEPTED) {
      if (spans > 0) {
        acceptedPayloads.increment();
        acceptedSpans.add(spans);
        lastAcceptedAt = clock.instant();
      }
    } else {
      ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.OVERLOADED, spans);
    }
    if (r.malformed()) {
      malformedRequests.increment();
      String text = r.errorText();
      error(text);
      log.debug("{} {}: {}", endpoint, tracer.language(), text);
      return Reply.text(HttpResponseStatus.BAD_REQUEST, text + "\n");
    }
    if (admission != Admission.ACCEPTED) {
      overloadedRequests.increment();
      error("Overloaded: the next stage refused " + spans + " spans");
      return overloadedReply(endpoint, realStatus);
    }
    return accepted(endpoint);
  }

  private Admission offer(List<TraceChunk> chunks, long spans) {
    try {
      return natives.offer(chunks);
    } catch (RuntimeException e) {
      // The sink's contract is not to throw; if it does, the spans are lost to this request: say so.
      log.error("the native sink failed on {} spans; counted as overloaded", spans, e);
      return Admission.OVERLOADED;
    }
  }

  private Reply failure(Throwable e, Endpoint endpoint, boolean realStatus, String traceCount) {
    if (e instanceof RequestBody.Oversized o) return oversized(o.bytes);
    if (e instanceof RequestBody.Overloaded) {
      return refused(endpoint, realStatus, traceCount, "the buffer budget is full").closing();
    }
    if (e instanceof RejectedExecutionException) {
      return refused(endpoint, realStatus, traceCount, "the decode queue is full");
    }
    if (e instanceof TimeoutException) {
      timedOutRequests.increment();
      error("Timeout: no body bytes for " + settings.readTimeout().toMillis() + " ms");
      return Reply.text(HttpResponseStatus.REQUEST_TIMEOUT, "timeout\n").closing();
    }
    error("Internal error: " + e);
    log.warn("receiver failed on a {} request", endpoint, e);
    return Reply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error\n").closing();
  }

  private Reply refused(Endpoint endpoint, boolean realStatus, String traceCount, String why) {
    overloadedRequests.increment();
    refusedPayloads.increment();
    long traces = parseCount(traceCount);
    if (traces > 0) refusedTraces.add(traces);
    error("Overloaded: a trace payload was refused before decoding: " + why);
    return overloadedReply(endpoint, realStatus);
  }

  private Reply overloadedReply(Endpoint endpoint, boolean realStatus) {
    // The Agent answers 200 unless the tracer asked for real statuses (WIRE.md §C6); the body is
    // still the rates, which tracers parse.
    if (realStatus) return new Reply(HttpResponseStatus.TOO_MANY_REQUESTS, JSON, RATES, false);
    return accepted(endpoint);
  }

  private static Reply accepted(Endpoint endpoint) {
    return endpoint == Endpoint.V03
        ? new Reply(HttpResponseStatus.OK, TEXT, OK, false)
        : new Reply(HttpResponseStatus.OK, JSON, RATES, false);
  }

  private void checkTraceCount(String header, int traces) {
    if (header == null) return;
    long declared = parseCount(header);
    if (declared != traces) {
      traceCountMismatches.increment();
      log.debug("X-Datadog-Trace-Count {} but the body holds {} traces", header, traces);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // stats

  private Mono<Void> stats(HttpServerRequest req, HttpServerResponse res, InfoDocument doc) {
    HttpHeaders h = req.requestHeaders();
    boolean realStatus = truthy(h.get("Datadog-Send-Real-Http-Status"));
    Reply refusal = checkHead(h);
    if (refusal != null) return drainThen(req, send(res, doc, refusal));
    long length = contentLength(h);
    if (length > settings.maxBodyBytes()) return send(res, doc, oversized(length));
    RequestBody body = RequestBody.reserve(length, settings.maxBodyBytes(), budget);
    if (body == null) return drainThen(req, send(res, doc, statsOverloaded(realStatus)));
    TracerInfo tracer = tracerInfo(h);
    return req.receive()
        .timeout(settings.readTimeout())
        .doOnNext(body::append)
        .then(Mono.fromCallable(() -> handOnStats(body, tracer, realStatus)))
        .onErrorResume(e -> Mono.just(e instanceof RequestBody.Overloaded ? statsOverloaded(realStatus).closing()
            : failure(e, Endpoint.V04, false, null)))
        .flatMap(reply -> send(res, doc, reply))
        .doFinally(signal -> body.release());
  }

  private Reply handOnStats(RequestBody body, TracerInfo tracer, boolean realStatus) {
    byte[] bytes = java.util.Arrays.copyOf(body.bytes(), body.length());
    body.release();
    // A ClientStatsPayload is a msgpack map; anything else is refused before it travels further.
    MessageFormat first = bytes.length == 0 ? MessageFormat.NEVER_USED : MessageFormat.valueOf(bytes[0]);
    if (first == MessageFormat.NEVER_USED || first.getValueType() != ValueType.MAP) {
      malformedRequests.increment();
      String text = "Malformed: a stats payload is a msgpack map (ClientStatsPayload)";
      error(text);
      return Reply.text(HttpResponseStatus.BAD_REQUEST, text + "\n");
    }
    Admission a;
    try {
      a = stats.offer(bytes, tracer);
    } catch (RuntimeException e) {
      log.error("the client-stats sink failed; counted as overloaded", e);
      a = Admission.OVERLOADED;
    }
    if (a != Admission.ACCEPTED) return statsOverloaded(realStatus);
    statsPayloads.increment();
    return new Reply(HttpResponseStatus.OK, TEXT, EMPTY, false);
  }

  private Reply statsOverloaded(boolean realStatus) {
    overloadedRequests.increment();
    error("Overloaded: a stats payload was refused");
    return realStatus
        ? Reply.text(HttpResponseStatus.TOO_MANY_REQUESTS, "Overloaded\n")
        : new Reply(HttpResponseStatus.OK, TEXT, EMPTY, false);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** A refusal that needs no body: an unsupported content encoding. */
  private Reply checkHead(HttpHeaders h) {
    String encoding = h.get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !encoding.isBlank() && !"identity".equalsIgnoreCase(encoding.strip())) {
      malformedRequests.increment();
      String text = "Unsupported Content-Encoding '" + encoding + "': send the body unencoded";
      error(text);
      return Reply.text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, text + "\n");
    }
    return null;
  }

  private Reply oversized(long bytes) {
    oversizedRequests.increment();
    String text = "Oversized: the body has " + (bytes > settings.maxBodyBytes() ? "more than " : "")
        + settings.maxBodyBytes() + " bytes, the limit (payload-too-large)";
    error(text);
    return Reply.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, text + "\n").closing();
  }

  private Mono<Void> send(HttpServerResponse res, InfoDocument doc, Reply reply) {
    res.status(reply.status())
        .header(AGENT_VERSION_HEADER, InfoDocument.AGENT_VERSION)
        .header(AGENT_STATE_HEADER, doc.state())
        .header(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
        .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(reply.body().length));
    if (reply.close()) res.keepAlive(false);
    return reply.body().length == 0 ? res.send().then() : res.sendByteArray(Mono.just(reply.body())).then();
  }

  /** Reads and discards the body (so the connection stays usable), then answers. */
  private static Mono<Void> drainThen(HttpServerRequest req, Mono<Void> answer) {
    return req.receive().then(answer);
  }

  private void repaired(String what, int times) {
    for (int i = 0; i < times; i++) ledger.repaired(what);
  }

  private void error(String text) {
    lastError = text;
    lastErrorAt = clock.instant();
  }

  static Codec codec(Endpoint endpoint, String contentType) {
    if (endpoint == Endpoint.V05) return Codec.MSGPACK_V05;
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    int semicolon = type.indexOf(';');
    if (semicolon >= 0) type = type.substring(0, semicolon);
    type = type.strip();
    if (type.equals("application/msgpack")) return Codec.MSGPACK_V04;
    if (type.equals("application/json") || type.equals("text/json")) return Codec.JSON;
    // No or an unknown media type: the Agent tries JSON, then msgpack; the decoders look at the body.
    return Codec.SNIFF;
  }

  static TracerInfo tracerInfo(HttpHeaders h) {
    String lang = h.get("Datadog-Meta-Lang");
    String langVersion = h.get("Datadog-Meta-Lang-Version");
    String tracerVersion = h.get("Datadog-Meta-Tracer-Version");
    String container = h.get("Datadog-Container-ID");
    if (container == null) {
      String entity = h.get("Datadog-Entity-ID");
      if (entity != null && entity.startsWith("cid-")) container = entity.substring(4);
    }
    boolean computedStats = truthy(h.get("Datadog-Client-Computed-Stats"));
    if (lang == null && langVersion == null && tracerVersion == null && container == null && !computedStats) return TracerInfo.UNKNOWN;
    return new TracerInfo(nonNull(lang), nonNull(langVersion), nonNull(tracerVersion), nonNull(container), computedStats);
  }

  /** The Agent's rule for its boolean headers: anything but empty and 0/f/F/false/False/FALSE is true. */
  static boolean truthy(String value) {
    if (value == null) return false;
    String v = value.strip();
    return switch (v) {
      case "", "0", "f", "F", "false", "False", "FALSE" -> false;
      default -> true;
    };
  }

  private static long contentLength(HttpHeaders h) {
    String v = h.get(HttpHeaderNames.CONTENT_LENGTH);
    if (v == null) return -1;
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1; // Netty refuses such requests before they get here
    }
  }

  private static long parseCount(String header) {
    if (header == null) return -1;
    try {
      return Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isPutOrPost(HttpMethod m) {
    return m.equals(HttpMethod.PUT) || m.equals(HttpMethod.POST);
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** What to answer. */
  record Reply(HttpResponseStatus status, String contentType, byte[] body, boolean close) {
    static Reply text(HttpResponseStatus status, String text) {
      return new Reply(status, TEXT, text.getBytes(StandardCharsets.UTF_8), false);
    }

    /** The same answer, closing the connection after it (the request body was not read to its end). */
    Reply closing() {
      return new Reply(status, contentType, body, true);
    }
  }
}
