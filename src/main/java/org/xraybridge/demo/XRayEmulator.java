package org.xraybridge.demo;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.demo.Answer.BadRequest;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local server that speaks the X-Ray REST-JSON protocol well enough for the real AWS SDK v2 client,
 * and CloudWatch Logs' FilterLogEvents (awsJson1_1) for the same account's {@code aws/spans}: point the
 * clients' endpoint overrides at {@link #endpoint()}. It routes each {@code POST} to its
 * operation ({@link XRayApi} answers), accepts SigV4 signatures without checking them (the
 * {@link Faults} policy may refuse the access key they name), lets the policy throttle, fail or slow read calls, writes errors with the
 * {@code x-amzn-ErrorType} header and a {@code {"__type", "message"}} body as the service does, and
 * records every request ({@link #requests()}).
 *
 * <p>Served on its own loopback port, never on the application's: {@code port 0} picks a free one.
 * Thread-safe; handlers never block (the store is in memory).
 */
public final class XRayEmulator implements AutoCloseable {

  /**
   * Credentials for a client of the emulator: fake (AWS's documented example key pair), since the
   * emulator does not check signatures and the embedded mode must not need the default chain.
   */
  public static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(
          AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));

  private static final Logger log = LoggerFactory.getLogger(XRayEmulator.class);

  private final Faults faults;
  private final XRayApi api;
  private final TraceRetrievalApi retrieval;
  private final FilterLogEventsApi logsApi;
  private final SpanLogStore logs;
  private final RequestLog requests = new RequestLog();
  private final DisposableServer server;

  private XRayEmulator(EmulatorStore store, SpanLogStore logs, String host, int port, Faults faults) {
    this.faults = faults;
    this.logs = logs;
    this.api = new XRayApi(store, faults);
    this.retrieval = new TraceRetrievalApi(store, faults);
    this.logsApi = new FilterLogEventsApi(logs, faults);
    this.server =
        HttpServer.create()
            .host(host)
            .port(port)
            .route(
                routes ->
                    routes
                        .post("/TraceSummaries", (req, res) -> serve(req, res, RecordedRequest.GET_TRACE_SUMMARIES))
                        .post("/Traces", (req, res) -> serve(req, res, RecordedRequest.BATCH_GET_TRACES))
                        .post("/TraceSegments", (req, res) -> serve(req, res, RecordedRequest.PUT_TRACE_SEGMENTS))
                        .post(
                            "/GetTraceSegmentDestination",
                            (req, res) -> serve(req, res, RecordedRequest.GET_TRACE_SEGMENT_DESTINATION))
                        .post("/StartTraceRetrieval", (req, res) -> serve(req, res, RecordedRequest.START_TRACE_RETRIEVAL))
                        .post("/ListRetrievedTraces", (req, res) -> serve(req, res, RecordedRequest.LIST_RETRIEVED_TRACES))
                        // CloudWatch Logs (awsJson1_1): every operation is a POST / named by X-Amz-Target
                        .post("/", (req, res) -> serve(req, res, logsOperation(req.requestHeaders().get("X-Amz-Target"))))
                        .route(r -> true, (req, res) -> serve(req, res, req.uri())))
            .bindNow();
  }

  /**
   * Starts an emulator over {@code store}.
   *
   * @param host address to bind, normally {@code 127.0.0.1} (loopback only)
   * @param port port to bind; 0 picks a free one ({@link #endpoint()} tells which)
   * @param faults how the service departs from a quiet account; {@link Faults#NONE} for none
   */
  public static XRayEmulator start(EmulatorStore store, String host, int port, Faults faults) {
    return start(store, new SpanLogStore(Clock.systemUTC()), host, port, faults);
  }

  /**
   * Starts an emulator over {@code store} that also serves CloudWatch Logs from {@code logs}: the
   * account of an X-Ray with Transaction Search ({@code aws/spans}); point the CloudWatch Logs client's
   * endpoint override at {@link #endpoint()} too.
   */
  public static XRayEmulator start(EmulatorStore store, SpanLogStore logs, String host, int port, Faults faults) {
    Objects.requireNonNull(store, "store == null");
    Objects.requireNonNull(logs, "logs == null");
    Objects.requireNonNull(host, "host == null");
    Objects.requireNonNull(faults, "faults == null");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port: expected 0..65535, got " + port);
    XRayEmulator e = new XRayEmulator(store, logs, host, port, faults);
    log.info("X-Ray API emulator listening on {}", e.endpoint());
    return e;
  }

  /** The account's CloudWatch Logs groups ({@code aws/spans}). */
  public SpanLogStore spanLogs() {
    return logs;
  }

  /** The URL to give the SDK client's endpoint override. */
  public URI endpoint() {
    return URI.create("http://" + server.host() + ":" + server.port());
  }

  /** The requests answered so far (the last {@value RequestLog#MAX_RECORDED}), in arrival order. */
  public List<RecordedRequest> requests() {
    return requests.all();
  }

  /** The requests of one operation. */
  public List<RecordedRequest> requests(String operation) {
    return requests.of(operation);
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    requests.clear();
  }

  /** Stops serving. */
  public void stop() {
    server.disposeNow(Duration.ofSeconds(5));
  }

  @Override
  public void close() {
    stop();
  }

  private Publisher<Void> serve(HttpServerRequest req, HttpServerResponse res, String operation) {
    long arrived = System.nanoTime();
    return req.receive()
        .aggregate()
        .asString(StandardCharsets.UTF_8)
        .defaultIfEmpty("")
        .map(body -> answer(operation, body, arrived, accessKeyId(req.requestHeaders().get("Authorization"))))
        .flatMap(a -> {
          Duration delay = operation.equals(RecordedRequest.BATCH_GET_TRACES) && a.status() == 200 ? faults.tracesDelay() : Duration.ZERO;
          return delay.isZero() ? Mono.just(a) : Mono.delay(delay).thenReturn(a);
        })
        .flatMap(a -> {
          res.status(a.status())
              .header("Content-Type", FilterLogEventsApi.isRead(operation) ? "application/x-amz-json-1.1" : "application/json")
              .header("x-amzn-RequestId", UUID.randomUUID().toString());
          if (a.errorType() != null) res.header("x-amzn-ErrorType", a.errorType());
          return res.sendString(Mono.just(a.body())).then();
        });
  }

  private Answer answer(String operation, String body, long arrived, String accessKeyId) {
    RequestLog.Entry rec = new RequestLog.Entry(operation, arrived);
    rec.accessKeyId = accessKeyId;
    Answer a;
    try {
      Faults.Refusal refusal = faults.access(accessKeyId);
      if (refusal.refused()) {
        a = Answer.error(403, refusal.type(), refusal.message());
        requests.add(rec.done(a.status()));
        return a;
      }
      ObjectNode request = parseRequest(body);
      Answer fault = null;
      boolean logsCall = FilterLogEventsApi.isRead(operation);
      if (XRayApi.isRead(operation) || TraceRetrievalApi.isRead(operation) || logsCall) {
        rec.read(request);
        fault = faulted(faults.nextRead(), logsCall);
      }
      if (fault != null) a = fault;
      else if (logsCall) a = logsApi.answer(request, rec);
      else if (operation.equals(TraceRetrievalApi.START)) a = retrieval.start(request, rec);
      else if (operation.equals(TraceRetrievalApi.LIST)) a = retrieval.list(request, rec);
      else a = api.answer(operation, request, rec);
    } catch (BadRequest e) {
      a = Answer.error(400, "InvalidRequestException", e.getMessage());
    } catch (RuntimeException e) {
      log.warn("X-Ray emulator failed on {}", operation, e);
      a = Answer.error(500, "InternalFailure", "emulator: " + e);
    }
    requests.add(rec.done(a.status()));
    return a;
  }

  /**
   * The answer a read fault puts in place of the operation's, or {@code null} to answer it. CloudWatch
   * Logs throttles with a 400 {@code ThrottlingException}, X-Ray with a 429 {@code ThrottledException}.
   */
  private static Answer faulted(Faults.ReadFault fault, boolean logs) {
    return switch (fault.kind()) {
      case NONE -> null;
      case THROTTLED -> logs ? Answer.error(400, "ThrottlingException", "Rate exceeded") : Answer.error(429, "ThrottledException", "Rate exceeded");
      case UNAVAILABLE -> Answer.error(fault.status(), "ServiceUnavailableException", "Service unavailable");
      case MALFORMED -> new Answer(200, null, "<html>not json</html>");
    };
  }

  /** The CloudWatch Logs operation an {@code X-Amz-Target} header names ({@code Logs_20140328.FilterLogEvents}). */
  private static String logsOperation(String target) {
    if (target == null) return "/";
    return target.startsWith("Logs_20140328.") ? target.substring("Logs_20140328.".length()) : target;
  }

  /**
   * The access key id a SigV4 {@code Authorization} header names:
   * {@code AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, …}; {@code ""} without one.
   */
  static String accessKeyId(String authorization) {
    if (authorization == null) return "";
    int at = authorization.indexOf("Credential=");
    if (at < 0) return "";
    int from = at + "Credential=".length();
    int slash = authorization.indexOf('/', from);
    return slash < 0 ? "" : authorization.substring(from, slash).strip();
  }

  private static ObjectNode parseRequest(String body) {
    if (body.isBlank()) return JsonNodeFactory.instance.objectNode();
    try {
      JsonNode n = EmulatorStore.JSON.readTree(body);
      if (n instanceof ObjectNode o) return o;
    } catch (JacksonException e) {
      throw new BadRequest("Malformed request body: " + e.getOriginalMessage());
    }
    throw new BadRequest("Malformed request body: expected a JSON object");
  }
}
