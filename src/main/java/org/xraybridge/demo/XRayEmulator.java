package org.xraybridge.demo;




import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.demo.EmulatorStore.Summary;
import org.xraybridge.demo.EmulatorStore.TimeRangeType;
import org.xraybridge.demo.EmulatorStore.TraceView;
import org.xraybridge.demo.EmulatorStore.Unprocessed;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local server that speaks the X-Ray REST-JSON protocol (the X-Ray API reference) well enough for the real AWS
 * SDK v2 client: point the client's endpoint override at {@link #endpoint()}.
 *
 * <p>Operations, all {@code POST}: {@code /TraceSummaries} (GetTraceSummaries: {@code TimeRangeType}
 * {@code TraceId}/{@code Event}/{@code Service} over the half-open {@code [StartTime, EndTime)}, newest
 * first, {@link #pageSize(int)} summaries a page with an opaque {@code NextToken}; a small subset of
 * filter expressions: {@code service("name")} and {@code annotation.key = "value"}), {@code /Traces}
 * (BatchGetTraces: 1–5 ids else {@code InvalidRequestException}, documents as JSON strings,
 * {@code LimitExceeded} above {@link #limitExceededAboveChars(int)}), {@code /TraceSegments}
 * (PutTraceSegments, to load data) and {@code /GetTraceSegmentDestination}. Errors carry the
 * {@code x-amzn-ErrorType} header and a {@code {"__type", "message"}} body as the service's do.
 * Signatures (SigV4) are accepted without being checked.
 *
 * <p>Faults on demand for tests and demos: {@link #throttleNext(int)} and {@link #throttleFor(Duration)}
 * (429 {@code ThrottledException}), {@link #failNext(int, int)} (5xx), {@link #malformNext(int)} (a 200
 * whose body is not JSON), {@link #unprocessNext(int)} (an id left in {@code UnprocessedTraceIds}),
 * {@link #delayTraces(Duration)}. Every request is recorded ({@link #requests()}).
 *
 * <p>Served on its own loopback port, never on the application's: {@code port 0} picks a free one.
 * Thread-safe; handlers never block (the store is in memory).
 */
public final class XRayEmulator implements AutoCloseable {

  /** Requests remembered for {@link #requests()}; older ones are forgotten. */
  public static final int MAX_RECORDED = 10_000;

  /** Default summaries per page; the real page size is not documented. */
  public static final int DEFAULT_PAGE_SIZE = 100;
  /** The documented trace-document quota when segments are sent batched (AWS's X-Ray quotas): 500 KB. */
  public static final int DEFAULT_LIMIT_EXCEEDED_CHARS = 500 * 1024;

  /**
   * Credentials for a client of the emulator: fake (AWS's documented example key pair), since the
   * emulator does not check signatures and the embedded mode must not need the default chain.
   */
  public static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(
          AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));

  private static final Logger log = LoggerFactory.getLogger(XRayEmulator.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern SERVICE_FILTER = Pattern.compile("\\s*service\\(\\s*\"([^\"]*)\"\\s*\\)\\s*");
  private static final Pattern ANNOTATION_FILTER =
      Pattern.compile("\\s*annotation\\.([A-Za-z0-9_]+)\\s*=\\s*(\"([^\"]*)\"|[-0-9.eE]+|true|false)\\s*");

  private final EmulatorStore store;
  private final DisposableServer server;
  private final ConcurrentLinkedQueue<RecordedRequest> recorded = new ConcurrentLinkedQueue<>();
  private final AtomicInteger recordedCount = new AtomicInteger();
  private final AtomicInteger throttleNext = new AtomicInteger();
  private final AtomicLong throttleUntilNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicInteger failStatus = new AtomicInteger(500);
  private final AtomicInteger malformNext = new AtomicInteger();
  private final AtomicInteger unprocessNext = new AtomicInteger();
  private final AtomicReference<Duration> tracesDelay = new AtomicReference<>(Duration.ZERO);
  private final AtomicReference<String[]> destination = new AtomicReference<>(new String[] {"XRay", "ACTIVE"});
  private volatile int pageSize = DEFAULT_PAGE_SIZE;
  private volatile int limitExceededChars = DEFAULT_LIMIT_EXCEEDED_CHARS;

  private XRayEmulator(EmulatorStore store, String host, int port) {
    this.store = store;
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
                        .route(r -> true, (req, res) -> serve(req, res, req.uri())))
            .bindNow();
  }

  /**
   * Starts an emulator over {@code store}.
   *
   * @param host address to bind, normally {@code 127.0.0.1} (loopback only)
   * @param port port to bind; 0 picks a free one ({@link #port()})
   */
  public static XRayEmulator start(EmulatorStore store, String host, int port) {
    Objects.requireNonNull(store, "store == null");
    Objects.requireNonNull(host, "host == null");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port: expected 0..65535, got " + port);
    XRayEmulator e = new XRayEmulator(store, host, port);
    log.info("X-Ray API emulator listening on {}", e.endpoint());
    return e;
  }

  /** Starts an emulator on a free loopback port. */
  public static XRayEmulator start(EmulatorStore store) {
    return start(store, "127.0.0.1", 0);
  }

  public int port() {
    return server.port();
  }

  /** The URL to give the SDK client's endpoint override. */
  public URI endpoint() {
    return URI.create("http://" + server.host() + ":" + server.port());
  }

  public EmulatorStore store() {
    return store;
  }

  /** Stops serving. */
  public void stop() {
    server.disposeNow(Duration.ofSeconds(5));
  }

  @Override
  public void close() {
    stop();
  }

  // ---- test and demo hooks ----

  /** The next {@code n} read calls (GetTraceSummaries, BatchGetTraces) answer 429 ThrottledException. */
  public void throttleNext(int n) {
    throttleNext.set(n);
  }

  /** Read calls answer 429 ThrottledException for {@code d} of real time from now. */
  public void throttleFor(Duration d) {
    throttleUntilNanos.set(System.nanoTime() + d.toNanos());
  }

  /** The next {@code n} read calls answer {@code status} (a 5xx). */
  public void failNext(int n, int status) {
    failStatus.set(status);
    failNext.set(n);
  }

  /** The next {@code n} read calls answer 200 with a body that is not JSON. */
  public void malformNext(int n) {
    malformNext.set(n);
  }

  /** The next {@code n} BatchGetTraces calls leave their first id in {@code UnprocessedTraceIds}. */
  public void unprocessNext(int n) {
    unprocessNext.set(n);
  }

  /** Every BatchGetTraces answer is delayed by {@code d} (without blocking a thread). */
  public void delayTraces(Duration d) {
    tracesDelay.set(Objects.requireNonNull(d, "d == null"));
  }

  /** What GetTraceSegmentDestination answers: {@code XRay} or {@code CloudWatchLogs}, {@code ACTIVE}/{@code PENDING}. */
  public void segmentDestination(String destinationName, String status) {
    destination.set(new String[] {destinationName, status});
  }

  /** Summaries per GetTraceSummaries page. */
  public void pageSize(int n) {
    if (n < 1) throw new IllegalArgumentException("pageSize: expected >= 1, got " + n);
    pageSize = n;
  }

  /** Traces whose documents exceed {@code chars} are flagged {@code LimitExceeded}. */
  public void limitExceededAboveChars(int chars) {
    limitExceededChars = chars;
  }

  /** The requests answered so far (the last {@link #MAX_RECORDED}), in arrival order. */
  public List<RecordedRequest> requests() {
    return List.copyOf(recorded);
  }

  /** The requests of one operation. */
  public List<RecordedRequest> requests(String operation) {
    List<RecordedRequest> out = new ArrayList<>();
    for (RecordedRequest r : recorded) if (r.operation().equals(operation)) out.add(r);
    return Collections.unmodifiableList(out);
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    recorded.clear();
    recordedCount.set(0);
  }

  // ---- serving ----

  private org.reactivestreams.Publisher<Void> serve(HttpServerRequest req, HttpServerResponse res, String operation) {
    long arrived = System.nanoTime();
    return req.receive()
        .aggregate()
        .asString(StandardCharsets.UTF_8)
        .defaultIfEmpty("")
        .flatMap(body -> answer(operation, body, arrived))
        .flatMap(
            a -> {
              Duration delay =
                  operation.equals(RecordedRequest.BATCH_GET_TRACES) && a.status == 200 ? tracesDelay.get() : Duration.ZERO;
              Mono<Answer> delayed = delay.isZero() ? Mono.just(a) : Mono.delay(delay).thenReturn(a);
              return delayed;
            })
        .flatMap(
            a -> {
              res.status(a.status)
                  .header("Content-Type", "application/json")
                  .header("x-amzn-RequestId", UUID.randomUUID().toString());
              if (a.errorType != null) res.header("x-amzn-ErrorType", a.errorType);
              return res.sendString(Mono.just(a.body)).then();
            });
  }

  private Mono<Answer> answer(String operation, String body, long arrived) {
    Answer a;
    Record rec = new Record(operation, arrived);
    try {
      a = answerOrFail(operation, body, rec);
    } catch (BadRequest e) {
      a = Answer.error(400, "InvalidRequestException", e.getMessage());
    } catch (RuntimeException e) {
      log.warn("X-Ray emulator failed on {}", operation, e);
      a = Answer.error(500, "InternalFailure", "emulator: " + e);
    }
    recorded.add(rec.done(a.status));
    if (recordedCount.incrementAndGet() > MAX_RECORDED) { // bounded: the embedded mode runs for days
      recorded.poll();
      recordedCount.decrementAndGet();
    }
    return Mono.just(a);
  }

  private Answer answerOrFail(String operation, String body, Record rec) {
    ObjectNode request = parseRequest(body);
    boolean read =
        operation.equals(RecordedRequest.GET_TRACE_SUMMARIES) || operation.equals(RecordedRequest.BATCH_GET_TRACES);
    if (read) {
      rec.read(request);
      if (takeOne(throttleNext) || throttling()) {
        return Answer.error(429, "ThrottledException", "Rate exceeded");
      }
      if (takeOne(failNext)) return Answer.error(failStatus.get(), "ServiceUnavailableException", "Service unavailable");
      if (takeOne(malformNext)) return new Answer(200, null, "<html>not json</html>");
    }
    switch (operation) {
      case RecordedRequest.GET_TRACE_SUMMARIES:
        return traceSummaries(request, rec);
      case RecordedRequest.BATCH_GET_TRACES:
        return batchGetTraces(request, rec);
      case RecordedRequest.PUT_TRACE_SEGMENTS:
        return putTraceSegments(request);
      case RecordedRequest.GET_TRACE_SEGMENT_DESTINATION:
        ObjectNode out = NODES.objectNode();
        String[] d = destination.get();
        out.put("Destination", d[0]);
        out.put("Status", d[1]);
        return Answer.ok(out);
      default:
        return Answer.error(404, "UnknownOperationException", "No such operation: " + operation);
    }
  }

  private Answer traceSummaries(ObjectNode request, Record rec) {
    Instant start = requiredTime(request, "StartTime");
    Instant end = requiredTime(request, "EndTime");
    if (end.isBefore(start)) throw new BadRequest("EndTime must not be before StartTime");
    TimeRangeType axis;
    try {
      axis = TimeRangeType.parse(request.path("TimeRangeType").asString(""));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    Predicate<TraceView> filter = filter(request.path("FilterExpression").asString(""));
    List<Summary> all = store.summaries(start, end, axis, filter);
    int from = 0;
    String token = request.path("NextToken").asString("");
    if (!token.isEmpty()) from = pageAfter(all, token);
    int to = Math.min(all.size(), from + pageSize);
    ArrayNode rows = NODES.arrayNode();
    for (int i = from; i < to; i++) rows.add(summaryJson(all.get(i)));
    ObjectNode out = NODES.objectNode();
    out.set("TraceSummaries", rows);
    Instant approximate = from < to ? all.get(from).matchedAt() : end;
    out.put("ApproximateTime", seconds(approximate));
    out.put("TracesProcessedCount", (long) (to - from));
    String next = to < all.size() ? token(all.get(to - 1)) : "";
    if (!next.isEmpty()) out.put("NextToken", next);
    rec.page(next, to - from);
    return Answer.ok(out);
  }

  private Answer batchGetTraces(ObjectNode request, Record rec) {
    JsonNode ids = request.get("TraceIds");
    if (!(ids instanceof ArrayNode array) || array.isEmpty()) {
      throw new BadRequest("1 validation error detected: Value null at 'traceIds' failed to satisfy constraint: Member must not be null");
    }
    if (array.size() > 5) throw new BadRequest("Exceeding maximum query size: 5");
    if (!request.path("NextToken").asString("").isEmpty()) throw new BadRequest("NextToken is currently not supported");
    List<String> unprocessed = new ArrayList<>();
    ArrayNode traces = NODES.arrayNode();
    boolean leaveOne = takeOne(unprocessNext);
    for (JsonNode idNode : array) {
      String id = idNode.asString("");
      if (leaveOne) {
        unprocessed.add(id);
        leaveOne = false;
        continue;
      }
      TraceView t = store.trace(id);
      if (t == null) continue; // unknown ids are simply absent from Traces, as the service does
      traces.add(traceJson(t));
    }
    ObjectNode out = NODES.objectNode();
    out.set("Traces", traces);
    ArrayNode un = out.putArray("UnprocessedTraceIds");
    for (String id : unprocessed) un.add(id);
    rec.page("", traces.size());
    return Answer.ok(out);
  }

  private Answer putTraceSegments(ObjectNode request) {
    JsonNode docs = request.get("TraceSegmentDocuments");
    if (!(docs instanceof ArrayNode array)) throw new BadRequest("TraceSegmentDocuments is required");
    List<String> texts = new ArrayList<>();
    for (JsonNode d : array) texts.add(d.asString(""));
    List<Unprocessed> refused = store.put(texts);
    ObjectNode out = NODES.objectNode();
    ArrayNode un = out.putArray("UnprocessedTraceSegments");
    for (Unprocessed u : refused) {
      ObjectNode o = un.addObject();
      o.put("Id", u.id());
      o.put("ErrorCode", u.errorCode());
      o.put("Message", u.message());
    }
    return Answer.ok(out);
  }

  private ObjectNode traceJson(TraceView t) {
    ObjectNode o = NODES.objectNode();
    o.put("Id", t.id());
    o.put("Duration", durationSeconds(t));
    o.put("LimitExceeded", t.size() > limitExceededChars);
    ArrayNode segs = o.putArray("Segments");
    for (var e : t.documents().entrySet()) {
      ObjectNode s = segs.addObject();
      s.put("Id", e.getKey());
      s.put("Document", e.getValue());
    }
    return o;
  }

  private ObjectNode summaryJson(Summary s) {
    TraceView t = s.trace();
    ObjectNode o = NODES.objectNode();
    o.put("Id", t.id());
    o.put("Revision", t.revision());
    o.put("StartTime", seconds(t.startTime()));
    o.put("Duration", durationSeconds(t));
    ObjectNode root = t.roots().isEmpty() ? NODES.objectNode() : rootOf(t);
    Instant rs = EmulatorStore.seconds(root.get("start_time"));
    Instant re = EmulatorStore.seconds(root.get("end_time"));
    if (rs != null && re != null) o.put("ResponseTime", seconds(Duration.between(rs, re)));
    boolean fault = false, error = false, throttle = false;
    ArrayNode services = NODES.arrayNode();
    ObjectNode annotations = NODES.objectNode();
    for (ObjectNode seg : t.roots()) {
      fault |= seg.path("fault").asBoolean(false);
      error |= seg.path("error").asBoolean(false);
      throttle |= seg.path("throttle").asBoolean(false);
      ObjectNode svc = services.addObject();
      svc.put("Name", seg.path("name").asString(""));
      svc.putArray("Names").add(seg.path("name").asString(""));
      if (seg.has("origin")) svc.put("Type", seg.path("origin").asString(""));
      collectAnnotations(seg, annotations);
    }
    o.put("HasFault", fault);
    o.put("HasError", error);
    o.put("HasThrottle", throttle);
    o.put("IsPartial", t.partial());
    JsonNode http = root.path("http");
    if (http.isObject()) {
      ObjectNode h = o.putObject("Http");
      JsonNode rq = http.path("request");
      if (rq.has("url")) h.put("HttpURL", rq.path("url").asString(""));
      if (rq.has("method")) h.put("HttpMethod", rq.path("method").asString(""));
      if (rq.has("user_agent")) h.put("UserAgent", rq.path("user_agent").asString(""));
      if (rq.has("client_ip")) h.put("ClientIp", rq.path("client_ip").asString(""));
      if (http.path("response").has("status")) h.put("HttpStatus", http.path("response").path("status").asInt());
    }
    o.set("Annotations", annotations);
    o.set("ServiceIds", services);
    o.putArray("Users");
    if (root.has("name")) {
      ObjectNode entry = o.putObject("EntryPoint");
      entry.put("Name", root.path("name").asString(""));
    }
    o.put("MatchedEventTime", seconds(s.matchedAt()));
    return o;
  }

  /** The segment without a {@code parent_id} (the trace's entry), else the first. */
  private static ObjectNode rootOf(TraceView t) {
    for (ObjectNode seg : t.roots()) if (!seg.has("parent_id")) return seg;
    return t.roots().get(0);
  }

  private static void collectAnnotations(ObjectNode node, ObjectNode into) {
    JsonNode ann = node.get("annotations");
    if (ann instanceof ObjectNode a) {
      for (var e : a.properties()) {
        ArrayNode values = into.has(e.getKey()) ? (ArrayNode) into.get(e.getKey()) : into.putArray(e.getKey());
        ObjectNode v = values.addObject().putObject("AnnotationValue");
        JsonNode val = e.getValue();
        if (val.isNumber()) v.put("NumberValue", val.decimalValue());
        else if (val.isBoolean()) v.put("BooleanValue", val.asBoolean());
        else v.put("StringValue", val.asString(""));
      }
    }
    JsonNode subs = node.get("subsegments");
    if (subs instanceof ArrayNode array) for (JsonNode c : array) if (c instanceof ObjectNode o) collectAnnotations(o, into);
  }

  private static Predicate<TraceView> filter(String expression) {
    if (expression.isBlank()) return t -> true;
    Matcher m = SERVICE_FILTER.matcher(expression);
    if (m.matches()) {
      String name = m.group(1);
      return t -> t.roots().stream().anyMatch(s -> name.equals(s.path("name").asString("")));
    }
    m = ANNOTATION_FILTER.matcher(expression);
    if (m.matches()) {
      String key = m.group(1);
      String value = m.group(3) != null ? m.group(3) : m.group(2);
      return t -> t.roots().stream().anyMatch(s -> hasAnnotation(s, key, value));
    }
    throw new BadRequest(
        "The emulator supports only the filter expressions service(\"name\") and annotation.key = value, got: "
            + expression);
  }

  private static boolean hasAnnotation(JsonNode node, String key, String value) {
    JsonNode v = node.path("annotations").get(key);
    if (v != null) {
      if (v.isNumber() && isNumber(value) && v.decimalValue().compareTo(new BigDecimal(value)) == 0) return true;
      if (!v.isNumber() && value.equals(v.asString(""))) return true;
    }
    JsonNode subs = node.get("subsegments");
    if (subs instanceof ArrayNode array) for (JsonNode c : array) if (hasAnnotation(c, key, value)) return true;
    return false;
  }

  private static boolean isNumber(String s) {
    try {
      new BigDecimal(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Index of the first summary after the one the token names (the list is newest first). */
  private static int pageAfter(List<Summary> all, String token) {
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("Invalid NextToken");
    }
    String[] parts = decoded.split("\\|");
    if (parts.length != 3 || !parts[0].equals("v1")) throw new BadRequest("Invalid NextToken");
    Instant at;
    try {
      at = Instant.parse(parts[1]);
    } catch (RuntimeException e) {
      throw new BadRequest("Invalid NextToken");
    }
    String id = parts[2];
    // Newest first by (time, id): the next page starts at the first row strictly older than the token's.
    for (int i = 0; i < all.size(); i++) {
      Summary s = all.get(i);
      int c = s.matchedAt().compareTo(at);
      if (c < 0 || (c == 0 && s.trace().id().compareTo(id) < 0)) return i;
    }
    return all.size();
  }

  private static String token(Summary last) {
    String raw = "v1|" + last.matchedAt() + "|" + last.trace().id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static ObjectNode parseRequest(String body) {
    if (body.isBlank()) return NODES.objectNode();
    try {
      JsonNode n = EmulatorStore.JSON.readTree(body);
      if (n instanceof ObjectNode o) return o;
    } catch (JacksonException e) {
      throw new BadRequest("Malformed request body: " + e.getOriginalMessage());
    }
    throw new BadRequest("Malformed request body: expected a JSON object");
  }

  private static Instant requiredTime(ObjectNode request, String field) {
    Instant t = EmulatorStore.seconds(request.get(field));
    if (t == null) throw new BadRequest(field + " is required (epoch seconds)");
    return t;
  }

  private static BigDecimal durationSeconds(TraceView t) {
    return seconds(Duration.between(t.startTime(), t.endTime()));
  }

  static BigDecimal seconds(Instant t) {
    return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).stripTrailingZeros();
  }

  private static BigDecimal seconds(Duration d) {
    return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9)).stripTrailingZeros();
  }

  private boolean throttling() {
    long until = throttleUntilNanos.get();
    return until != Long.MIN_VALUE && System.nanoTime() - until < 0;
  }

  private static boolean takeOne(AtomicInteger counter) {
    while (true) {
      int n = counter.get();
      if (n <= 0) return false;
      if (counter.compareAndSet(n, n - 1)) return true;
    }
  }

  /** A 400 with {@code InvalidRequestException}. */
  private static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  /** What to answer. */
  private record Answer(int status, String errorType, String body) {
    static Answer ok(ObjectNode json) {
      return new Answer(200, null, EmulatorStore.JSON.writeValueAsString(json));
    }

    static Answer error(int status, String type, String message) {
      ObjectNode o = NODES.objectNode();
      o.put("__type", type);
      o.put("message", message);
      return new Answer(status, type, EmulatorStore.JSON.writeValueAsString(o));
    }
  }

  /** A request being recorded. */
  private static final class Record {
    final String operation;
    final long arrived;
    List<String> ids = List.of();
    BigDecimal start = BigDecimal.ZERO;
    BigDecimal end = BigDecimal.ZERO;
    String axis = "";
    String filter = "";
    String token = "";
    String next = "";
    int returned;

    Record(String operation, long arrived) {
      this.operation = operation;
      this.arrived = arrived;
    }

    void read(ObjectNode request) {
      JsonNode ids = request.get("TraceIds");
      if (ids instanceof ArrayNode a) {
        List<String> l = new ArrayList<>();
        for (JsonNode n : a) l.add(n.asString(""));
        this.ids = l;
      }
      if (request.path("StartTime").isNumber()) start = request.get("StartTime").decimalValue();
      if (request.path("EndTime").isNumber()) end = request.get("EndTime").decimalValue();
      axis = request.path("TimeRangeType").asString("");
      filter = request.path("FilterExpression").asString("");
      token = request.path("NextToken").asString("");
    }

    void page(String next, int returned) {
      this.next = next;
      this.returned = returned;
    }

    RecordedRequest done(int status) {
      return new RecordedRequest(operation, arrived, ids, start, end, axis, filter, token, next, status, returned);
    }
  }
}
