package org.xraybridge.bench;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.xraybridge.demo.EmulatorStore;
import org.xraybridge.demo.XRayEmulator;
import org.xraybridge.testing.EmulatorFaults;

/**
 * The X-Ray half of the load: an X-Ray API emulator (the project's own, speaking REST-JSON to the real
 * AWS SDK client) that this bench process runs on a fixed loopback port, so the bridge polls it with
 * {@code bridge.xray.source=aws} and an endpoint override, and it survives the bridge's kill -9. The
 * feeder puts {@code tracesPerSecond} traces into its store, as PutTraceSegments would: one segment
 * document with three subsegments (4 spans) each. Every other trace is the X-Ray half of a checkout
 * trace the generator just had acknowledged — trace id {@code 1-<epoch>-00000000<Datadog trace id>},
 * parent the tracer's HTTP client span, annotation {@code env} the tracer's env — so the bridge
 * stitches under load; the others are X-Ray-only (a random 96-bit id).
 *
 * <p>Segment and subsegment ids are span ids from the generator's sequence ({@link SpanIds}), so the
 * fake Agent accounts for them like native spans; {@link #stored} holds the sequence numbers the
 * store took, with {@link #storedAt} when.
 */
final class XRayFeeder implements AutoCloseable {

  static final int SPANS_PER_TRACE = 4;

  final EmulatorStore store;
  final XRayEmulator emulator;
  private final EmulatorFaults faults = new EmulatorFaults();
  final SeqSet stored;
  final AtomicLong storedTraces = new AtomicLong();
  final AtomicLong storedSpans = new AtomicLong();
  final AtomicLong joinedTraces = new AtomicLong();
  final AtomicLong refusedDocuments = new AtomicLong();
  private final List<long[]> storedAt = new ArrayList<>(); // {seqFrom, seqTo, nanos}
  private final AtomicLong sequence;
  private volatile ArrayBlockingQueue<long[]> joinable;
  /** Candidates waiting until they are {@code joinDelayNanos} old (wall clock, nanos in [2]). */
  private final java.util.ArrayDeque<long[]> waiting = new java.util.ArrayDeque<>();
  private volatile long joinDelayNanos;
  private final String env;
  private volatile Thread thread;
  private volatile boolean running;

  XRayFeeder(int port, AtomicLong sequence, long capacity, String env) {
    this.store = new EmulatorStore(Clock.systemUTC(), 200_000);
    this.emulator = XRayEmulator.start(store, "127.0.0.1", port, faults);
    this.sequence = sequence;
    this.stored = new SeqSet(capacity);
    this.env = env;
  }

  /**
   * Where the X-Ray halves of native traces come from: (trace id, client span id, client start)
   * triples; each X-Ray half is stored {@code delay} after its native trace (X-Ray's own delivery
   * delay is minutes, see {@code bridge.merge.index-ttl}).
   */
  void joinWith(ArrayBlockingQueue<long[]> candidates, Duration delay) {
    this.joinDelayNanos = delay.toNanos();
    this.joinable = candidates;
  }

  String endpoint() {
    return emulator.endpoint().toString();
  }

  synchronized List<long[]> storedAt() {
    return new ArrayList<>(storedAt);
  }

  /** Feeds {@code tracesPerSecond} (≤ 0: nothing) until {@link #stop()}. */
  void start(double tracesPerSecond) {
    if (tracesPerSecond <= 0) return;
    running = true;
    long interval = (long) (1e9 / tracesPerSecond);
    thread = new Thread(() -> {
      long next = System.nanoTime();
      long n = 0;
      while (running) {
        long now = System.nanoTime();
        if (next > now) {
          LockSupport.parkNanos(next - now);
          continue;
        }
        next += interval;
        feedOne(n++);
      }
    }, "xray-feeder");
    thread.setDaemon(true);
    thread.start();
  }

  void stop() throws InterruptedException {
    running = false;
    Thread t = thread;
    if (t != null) t.join(5_000);
  }

  /** Read calls answer 429 ThrottledException for {@code d}. */
  void throttleFor(Duration d) {
    faults.throttleFor(d);
  }

  @Override
  public void close() {
    running = false;
    emulator.stop();
  }

  private void feedOne(long n) {
    long seq = sequence.getAndAdd(SPANS_PER_TRACE);
    long nowNanos = System.currentTimeMillis() * 1_000_000L;
    long epoch = nowNanos / 1_000_000_000L;
    long[] join = n % 2 == 0 ? nextCandidate(nowNanos) : null;
    String traceId;
    String parent;
    long start;
    if (join != null) {
      traceId = "1-" + hex8(join[2] / 1_000_000_000L) + "-00000000" + hex16(join[0]);
      parent = ",\"parent_id\":\"" + hex16(join[1]) + "\"";
      start = join[2] + 2_000_000L;
    } else {
      traceId = "1-" + hex8(epoch) + "-" + hex8(SpanIds.id(seq ^ 0x7a11L) & 0xffffffffL) + hex16(SpanIds.id(seq ^ 0x7a12L) | 1L << 62);
      parent = "";
      start = nowNanos - 300_000_000L;
    }
    String doc = "{\"name\":\"payments-service\",\"id\":\"" + hex16(SpanIds.id(seq)) + "\",\"trace_id\":\"" + traceId + "\"" + parent
        + ",\"start_time\":" + seconds(start) + ",\"end_time\":" + seconds(start + 90_000_000L)
        + ",\"origin\":\"AWS::EC2::Instance\",\"http\":{\"request\":{\"method\":\"POST\",\"url\":\"http://payments.internal:8080/downstream/payments\","
        + "\"client_ip\":\"10.0.0.12\"},\"response\":{\"status\":200}},\"annotations\":{\"env\":\"" + env + "\",\"order_total\":59.97},"
        + "\"aws\":{\"ec2\":{\"instance_id\":\"i-0bench000000001\",\"availability_zone\":\"us-east-1a\"},"
        + "\"xray\":{\"sdk\":\"X-Ray for Java\",\"sdk_version\":\"2.18.2\"}},\"service\":{\"version\":\"3.1.0\"},\"subsegments\":["
        + "{\"id\":\"" + hex16(SpanIds.id(seq + 1)) + "\",\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"start_time\":" + seconds(start + 5_000_000L)
        + ",\"end_time\":" + seconds(start + 25_000_000L) + ",\"aws\":{\"operation\":\"PutItem\",\"region\":\"us-east-1\",\"table_name\":\"payments\","
        + "\"retries\":0},\"http\":{\"response\":{\"status\":200}}},"
        + "{\"id\":\"" + hex16(SpanIds.id(seq + 2)) + "\",\"name\":\"card-gateway.example\",\"namespace\":\"remote\",\"start_time\":"
        + seconds(start + 30_000_000L) + ",\"end_time\":" + seconds(start + 80_000_000L)
        + ",\"http\":{\"request\":{\"method\":\"POST\",\"url\":\"https://card-gateway.example/charge\"},\"response\":{\"status\":200}}},"
        + "{\"id\":\"" + hex16(SpanIds.id(seq + 3)) + "\",\"name\":\"SNS\",\"namespace\":\"aws\",\"start_time\":" + seconds(start + 81_000_000L)
        + ",\"end_time\":" + seconds(start + 88_000_000L) + ",\"aws\":{\"operation\":\"Publish\",\"region\":\"us-east-1\"}}]}";
    List<EmulatorStore.Unprocessed> refused = store.put(List.of(doc));
    if (!refused.isEmpty()) {
      refusedDocuments.incrementAndGet();
      return;
    }
    stored.addRange(seq, seq + SPANS_PER_TRACE);
    storedTraces.incrementAndGet();
    storedSpans.addAndGet(SPANS_PER_TRACE);
    if (join != null) joinedTraces.incrementAndGet();
    synchronized (this) {
      storedAt.add(new long[] {seq, seq + SPANS_PER_TRACE, System.nanoTime()});
    }
  }

  /** The newest candidate that is at least the join delay old; older ones are forgotten. */
  private long[] nextCandidate(long nowNanos) {
    ArrayBlockingQueue<long[]> candidates = joinable;
    if (candidates == null) return null;
    for (long[] c; (c = candidates.poll()) != null; ) {
      waiting.addLast(c);
      if (waiting.size() > 200_000) waiting.removeFirst();
    }
    long[] pick = null;
    while (!waiting.isEmpty() && nowNanos - waiting.peekFirst()[2] >= joinDelayNanos) pick = waiting.removeFirst();
    return pick;
  }

  private static String hex8(long v) {
    return String.format("%08x", v & 0xffffffffL);
  }

  private static String hex16(long v) {
    return String.format("%016x", v);
  }

  private static BigDecimal seconds(long nanos) {
    return BigDecimal.valueOf(nanos / 1000, 6);
  }
}
