package org.xraybridge.demo;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.TimeCodec;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Demo traffic for the embedded default mode: plays both halves of the same requests so a merged
 * trace shows up within a minute, with no AWS or Datadog account.
 *
 * <p>Every round (one per {@code interval}) makes one request of a small shop:
 * <ul>
 *   <li>the <b>native half</b> — {@code checkout-service} as a Datadog Java tracer would report it
 *       ({@code servlet.request} → {@code checkout.validate}, and an {@code http.request} client span
 *       calling the payments service), posted as msgpack v0.4 with the tracer's headers to
 *       {@code <receiver>/v0.4/traces};
 *   <li>the <b>X-Ray half</b> — {@code payments-service} as an X-Ray SDK would record it, stored in the
 *       emulator with the id a Datadog tracer injects in {@code X-Amzn-Trace-Id}:
 *       {@code 1-<epoch hex>-00000000<16 hex of the Datadog trace id>}, its root segment's
 *       {@code parent_id} = the client span's id (docs/conversion.md §1), with a
 *       DynamoDB and a remote subsegment, and annotation {@code env}. Its async receipt subsegment
 *       arrives one round later, so the trace's revision grows as real late data does.
 * </ul>
 * Every third round adds an X-Ray-only trace (random trace id: an API Gateway stage calling a Lambda
 * function); every fifth round's X-Ray half carries another env ({@code staging}), so the UI can show a
 * trace that is not joined (docs/stitching.md: different env, not merged).
 *
 * <p>All ids and names are made here from a seeded random; nothing comes from the test corpus.
 * Non-blocking: the native half goes out on Reactor Netty. Thread-safe for one {@link #start()}.
 */
public final class DemoTraffic implements AutoCloseable {

  /** The env the X-Ray half of every fifth round carries instead of the demo's. */
  public static final String MISMATCHED_ENV = "staging";

  private static final Logger log = LoggerFactory.getLogger(DemoTraffic.class);
  private static final String TRACER_VERSION = "1.68.1";

  /** Where the X-Ray half goes: the emulator's store, or a Transaction Search account. */
  @FunctionalInterface
  public interface SegmentIntake {
    /** Takes segment documents as PutTraceSegments would; returns the ones refused. */
    List<EmulatorStore.Unprocessed> put(List<String> documents);
  }

  private final SegmentIntake store;
  private final URI receiver;
  private final Duration interval;
  private final String env;
  private final Clock clock;
  private final SplittableRandom random;
  private final HttpClient http;
  private final AtomicInteger round = new AtomicInteger();
  private final AtomicLong nativePosted = new AtomicLong();
  private final AtomicLong nativeFailed = new AtomicLong();
  private final AtomicLong xrayStored = new AtomicLong();
  private final List<String> lateDocuments = new ArrayList<>(); // guarded by this
  private Disposable schedule;

  /**
   * @param store the emulator's store, fed in process
   * @param receiver base URL of the bridge's Agent-compatible receiver, e.g. {@code http://127.0.0.1:8126}
   * @param interval time between rounds (10 s makes a lively demo)
   * @param env the env both halves carry (the X-Ray half as annotation {@code env})
   * @param clock time of the generated spans and segments
   * @param seed seed of every id and choice
   */
  public DemoTraffic(EmulatorStore store, URI receiver, Duration interval, String env, Clock clock, long seed) {
    this(Objects.requireNonNull(store, "store == null")::put, receiver, interval, env, clock, seed);
  }

  /**
   * @param intake where the X-Ray half goes: a {@link TransactionSearchAccount} writes it to
   *     {@code aws/spans} as X-Ray does with Transaction Search on
   */
  public DemoTraffic(SegmentIntake intake, URI receiver, Duration interval, String env, Clock clock, long seed) {
    this.store = Objects.requireNonNull(intake, "intake == null");
    this.receiver = Objects.requireNonNull(receiver, "receiver == null");
    this.interval = Objects.requireNonNull(interval, "interval == null");
    if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval: expected > 0, got " + interval);
    this.env = Objects.requireNonNull(env, "env == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.random = new SplittableRandom(seed);
    this.http = HttpClient.create().responseTimeout(Duration.ofSeconds(10));
  }

  /** What the demo has done so far. */
  public record Stats(int rounds, long nativeTracesPosted, long nativePostsFailed, long xrayTracesStored) {}

  /** Plays a round now and then one every {@code interval}. */
  public synchronized void start() {
    if (schedule != null) throw new IllegalStateException("demo traffic already started");
    schedule =
        Flux.interval(Duration.ZERO, interval)
            .onBackpressureDrop()
            .concatMap(tick -> round().onErrorResume(e -> Mono.empty()), 0)
            .subscribe();
    log.info("Demo traffic: a request every {} — native spans to {}/v0.4/traces, X-Ray segments to the emulator", interval, receiver);
  }

  public synchronized void stop() {
    if (schedule != null) schedule.dispose();
  }

  @Override
  public void close() {
    stop();
  }

  public Stats stats() {
    return new Stats(round.get(), nativePosted.get(), nativeFailed.get(), xrayStored.get());
  }

  /** One round: stores the X-Ray half(s) and posts the native half; completes when the post was answered. */
  public Mono<Void> round() {
    return Mono.defer(
        () -> {
          Round r = play(round.incrementAndGet());
          return post(r);
        });
  }

  private Round play(int n) {
    Instant now = clock.instant();
    List<List<NativeSpan>> nativeTraces = new ArrayList<>();
    List<String> xray = new ArrayList<>();
    synchronized (this) {
      xray.addAll(lateDocuments); // last round's async work arrives now
      lateDocuments.clear();
      boolean mismatched = n % 5 == 0;
      Request req = request(now, mismatched ? MISMATCHED_ENV : env);
      nativeTraces.add(req.nativeSpans);
      xray.addAll(req.segments);
      lateDocuments.add(req.late);
      if (n % 3 == 0) xray.add(xrayOnly(now));
    }
    List<EmulatorStore.Unprocessed> refused = store.put(xray);
    if (!refused.isEmpty()) log.warn("Demo traffic: the emulator refused {} documents: {}", refused.size(), refused);
    xrayStored.addAndGet(xray.size() - refused.size());
    return new Round(nativeTraces, encode(nativeTraces));
  }

  private Mono<Void> post(Round r) {
    return http.headers(
            h -> {
              h.set("Content-Type", "application/msgpack");
              h.set("X-Datadog-Trace-Count", Integer.toString(r.traces.size()));
              h.set("Datadog-Meta-Lang", "java");
              h.set("Datadog-Meta-Lang-Version", "17");
              h.set("Datadog-Meta-Lang-Interpreter", "OpenJDK 64-Bit Server VM");
              h.set("Datadog-Meta-Tracer-Version", TRACER_VERSION);
              h.set("Datadog-Client-Computed-Top-Level", "true");
              h.set("Datadog-Send-Real-Http-Status", "true");
            })
        .put()
        .uri(receiver.resolve("/v0.4/traces").toString())
        .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(r.body)))
        .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(b -> res.status().code()))
        .doOnNext(
            status -> {
              if (status == 200) {
                nativePosted.addAndGet(r.traces.size());
              } else {
                nativeFailed.incrementAndGet();
                log.warn("Demo traffic: the receiver answered {} to a v0.4 payload", status);
              }
            })
        .doOnError(
            e -> {
              if (nativeFailed.incrementAndGet() % 30 == 1) {
                log.warn("Demo traffic: cannot post native spans to {} ({})", receiver, e.toString());
              }
            })
        .then();
  }

  // ---- what one request looks like ----

  private Request request(Instant now, String xrayEnv) {
    long traceId = random.nextLong(); // the low 64 bits a Java tracer writes in trace_id
    String tid = String.format("%08x", now.getEpochSecond()) + "00000000"; // _dd.p.tid: epoch then 32 zero bits
    long rootId = spanId();
    long validateId = spanId();
    long clientId = spanId();
    long start = TimeCodec.epochNanos(now.minusMillis(400));
    List<NativeSpan> spans = new ArrayList<>();
    Map<String, String> rootMeta = meta(
        "_dd.p.tid", tid, "_dd.p.dm", "-0", "http.method", "POST", "http.url", "http://shop.demo/checkout",
        "http.route", "/checkout", "http.status_code", "200", "span.kind", "server", "component", "tomcat-server",
        "language", "jvm", "bridge.demo", "true");
    Map<String, Double> rootMetrics = new LinkedHashMap<>();
    rootMetrics.put("_sampling_priority_v1", 1.0);
    rootMetrics.put("_dd.top_level", 1.0);
    rootMetrics.put("_dd.agent_psr", 1.0);
    spans.add(new NativeSpan("servlet.request", "POST /checkout", traceId, rootId, 0, start, 380_000_000L, "web", 0, rootMetrics, rootMeta));
    Map<String, String> validateMeta = meta("component", "trace");
    spans.add(new NativeSpan("checkout.validate", "validate cart", traceId, validateId, rootId, start + 5_000_000L, 40_000_000L, "", 0, Map.of(), validateMeta));
    Map<String, String> clientMeta = meta(
        "http.method", "POST", "http.url", "http://payments.demo/payments", "http.status_code", "200",
        "peer.hostname", "payments.demo", "span.kind", "client", "component", "okhttp");
    long clientStart = start + 60_000_000L;
    long clientDuration = 300_000_000L;
    spans.add(new NativeSpan("http.request", "POST /payments", traceId, clientId, rootId, clientStart, clientDuration, "http", 0, Map.of("_dd.measured", 1.0), clientMeta));

    // The X-Ray half: the header dd-trace-java injects is Root=1-<now hex>-00000000<trace id hex>;Parent=<client span id>.
    String xrayTraceId = "1-" + String.format("%08x", now.getEpochSecond()) + "-00000000" + String.format("%016x", traceId);
    String segId = hex(spanId());
    String dynamoId = hex(spanId());
    String cardId = hex(spanId());
    BigDecimal segStart = seconds(clientStart + 2_000_000L);
    BigDecimal segEnd = seconds(clientStart + clientDuration - 3_000_000L);
    String segment =
        "{\"name\":\"payments-service\",\"id\":\"" + segId + "\",\"trace_id\":\"" + xrayTraceId + "\",\"parent_id\":\""
            + hex(clientId) + "\",\"start_time\":" + segStart + ",\"end_time\":" + segEnd
            + ",\"origin\":\"AWS::EC2::Instance\",\"http\":{\"request\":{\"method\":\"POST\",\"url\":\"http://payments.demo/payments\","
            + "\"client_ip\":\"10.0.0.12\"},\"response\":{\"status\":200}},\"annotations\":{\"env\":\"" + xrayEnv + "\",\"order_total\":59.97},"
            + "\"aws\":{\"ec2\":{\"instance_id\":\"i-0demo0000000001\",\"availability_zone\":\"us-east-1a\"},"
            + "\"xray\":{\"sdk\":\"X-Ray for Java\",\"sdk_version\":\"2.18.2\"}},\"service\":{\"version\":\"3.1.0\"},"
            + "\"subsegments\":[{\"id\":\"" + dynamoId + "\",\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"start_time\":"
            + seconds(clientStart + 10_000_000L) + ",\"end_time\":" + seconds(clientStart + 40_000_000L)
            + ",\"aws\":{\"operation\":\"PutItem\",\"region\":\"us-east-1\",\"table_name\":\"payments\",\"retries\":0},"
            + "\"http\":{\"response\":{\"status\":200}}},{\"id\":\"" + cardId + "\",\"name\":\"card-gateway.demo\",\"namespace\":\"remote\","
            + "\"start_time\":" + seconds(clientStart + 50_000_000L) + ",\"end_time\":" + seconds(clientStart + 250_000_000L)
            + ",\"http\":{\"request\":{\"method\":\"POST\",\"url\":\"https://card-gateway.demo/charge\"},\"response\":{\"status\":200}}}]}";
    String late =
        "{\"type\":\"subsegment\",\"name\":\"publish-receipt\",\"id\":\"" + hex(spanId()) + "\",\"trace_id\":\"" + xrayTraceId
            + "\",\"parent_id\":\"" + segId + "\",\"namespace\":\"aws\",\"start_time\":" + seconds(clientStart + 260_000_000L)
            + ",\"end_time\":" + seconds(clientStart + 290_000_000L) + ",\"aws\":{\"operation\":\"Publish\",\"region\":\"us-east-1\"}}";
    return new Request(spans, List.of(segment), late);
  }

  /** An X-Ray-only trace: API Gateway stage → Lambda function, with a random 96-bit trace id. */
  private String xrayOnly(Instant now) {
    String traceId = "1-" + String.format("%08x", now.getEpochSecond()) + "-" + String.format("%08x", random.nextInt())
        + String.format("%016x", random.nextLong() | 1L << 62); // never the 00000000 a Datadog tracer writes
    long start = TimeCodec.epochNanos(now.minusMillis(250));
    String gatewayId = hex(spanId());
    String invokeId = hex(spanId());
    return "{\"name\":\"orders-api/prod\",\"id\":\"" + gatewayId + "\",\"trace_id\":\"" + traceId + "\",\"start_time\":"
        + seconds(start) + ",\"end_time\":" + seconds(start + 200_000_000L)
        + ",\"origin\":\"AWS::ApiGateway::Stage\",\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"https://api.demo/prod/orders/42\"},"
        + "\"response\":{\"status\":200}},\"annotations\":{\"env\":\"" + env + "\"},\"aws\":{\"api_gateway\":{\"stage\":\"prod\","
        + "\"request_id\":\"" + hex(spanId()) + "\"}},\"subsegments\":[{\"id\":\"" + invokeId + "\",\"name\":\"Lambda\",\"namespace\":\"aws\","
        + "\"start_time\":" + seconds(start + 5_000_000L) + ",\"end_time\":" + seconds(start + 190_000_000L)
        + ",\"aws\":{\"operation\":\"Invoke\",\"function_name\":\"orders-handler\",\"region\":\"us-east-1\"}}]}";
  }

  /** A span's meta in the tracer's order: the tags every span carries, then {@code keyValues} (key, value, …). */
  private Map<String, String> meta(String... keyValues) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("env", env);
    meta.put("version", "2.4.1");
    meta.put("thread.name", "http-nio-8080-exec-1");
    for (int i = 0; i < keyValues.length; i += 2) meta.put(keyValues[i], keyValues[i + 1]);
    return meta;
  }

  private long spanId() {
    long v;
    do {
      v = random.nextLong();
    } while (v == 0);
    return v;
  }

  private static String hex(long v) {
    return String.format("%016x", v);
  }

  /** Epoch seconds with microseconds, as the X-Ray SDKs write them. */
  private static BigDecimal seconds(long nanos) {
    return BigDecimal.valueOf(nanos / 1000, 6);
  }

  // ---- msgpack v0.4, as dd-trace-java's TraceMapperV0_4 writes it ----

  static byte[] encode(List<List<NativeSpan>> traces) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(traces.size());
      for (List<NativeSpan> trace : traces) {
        p.packArrayHeader(trace.size());
        for (NativeSpan s : trace) {
          p.packMapHeader(12);
          /* 1 */ p.packString("service").packString("checkout-service");
          /* 2 */ p.packString("name").packString(s.name);
          /* 3 */ p.packString("resource").packString(s.resource);
          /* 4 */ packUnsigned(p.packString("trace_id"), s.traceId);
          /* 5 */ packUnsigned(p.packString("span_id"), s.spanId);
          /* 6 */ packUnsigned(p.packString("parent_id"), s.parentId);
          /* 7 */ p.packString("start").packLong(s.start);
          /* 8 */ p.packString("duration").packLong(s.duration);
          /* 9 */ p.packString("type");
          if (s.type.isEmpty()) p.packNil(); else p.packString(s.type); // the Java tracer writes nil when unset
          /* 10 */ p.packString("error").packInt(s.error);
          /* 11 */ p.packString("metrics").packMapHeader(s.metrics.size());
          for (Map.Entry<String, Double> e : s.metrics.entrySet()) p.packString(e.getKey()).packDouble(e.getValue());
          /* 12 */ p.packString("meta").packMapHeader(s.meta.size());
          for (Map.Entry<String, String> e : s.meta.entrySet()) p.packString(e.getKey()).packString(e.getValue());
        }
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void packUnsigned(MessagePacker p, long v) throws IOException {
    if (v >= 0) p.packLong(v);
    else p.packBigInteger(new BigInteger(Long.toUnsignedString(v))); // uint64, as the tracer writes ids
  }

  /** One native span as the demo's tracer reports it. */
  record NativeSpan(
      String name, String resource, long traceId, long spanId, long parentId, long start, long duration, String type,
      int error, Map<String, Double> metrics, Map<String, String> meta) {}

  private record Request(List<NativeSpan> nativeSpans, List<String> segments, String late) {}

  private record Round(List<List<NativeSpan>> traces, byte[] body) {}
}
