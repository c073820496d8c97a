package org.xraybridge.explain;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.xraybridge.merge.MergeStage;
import org.xraybridge.merge.Stitcher;
import org.xraybridge.merge.TraceIndex;
import org.xraybridge.model.BatchSink;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * The merge stage's batch as the receiver fills it — 1,250 tracer chunks of 4 spans (the default
 * 5,000-span batch), offered 10 chunks a payload, then handed on — with and without the explain
 * recorder as its listener, and for two families of trace ids:
 *
 * <ul>
 *   <li>{@code spread}: random 63-bit ids, as dd-java-agent and the load bench's generator make;
 *   <li>{@code topByte}: ids that differ only in their top byte beyond a few fixed patterns, as a
 *       load script does that writes a counter into the first (most significant, big-endian) byte of
 *       a template's ids. {@code Long.hashCode} folds the halves and {@code HashMap} indexes by the low
 *       bits, so these ids share a handful of buckets: a map keyed by them grows tree bins.
 * </ul>
 *
 * Variants: {@code noExplain} (listener none: the baseline), {@code everyTrace} (the recorder at a
 * rate no load reaches: what recording every trace costs) and {@code sampled} (the default 50
 * traces/s). Run with {@code bench/explain-cost.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ExplainBenchmark {

  static final int BATCH_CHUNKS = 1_250;
  static final int SPANS = 4;
  static final int PER_PAYLOAD = 10;
  /** Distinct traces cycled through: far more than the recorder keeps (500), so each is new to it. */
  static final int POOL = 2_560;

  List<List<TraceChunk>> spreadPayloads;
  List<List<TraceChunk>> topBytePayloads;
  int spreadAt;
  int topByteAt;
  MergeStage noExplainSpread;
  MergeStage noExplainTopByte;
  MergeStage everySpread;
  MergeStage everyTopByte;
  MergeStage sampledSpread;
  MergeStage sampledTopByte;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(22);
    List<Long> spread = new ArrayList<>();
    for (int i = 0; i < POOL; i++) spread.add(r.nextLong() & Long.MAX_VALUE | 1);
    List<Long> topByte = new ArrayList<>();
    long[] templates = new long[POOL / 128];
    for (int k = 0; k < templates.length; k++) templates[k] = r.nextLong() & 0x00FF_FFFF_FFFF_FFFFL;
    for (int c = 0; c < 128; c++) for (long t : templates) topByte.add(((long) c << 56) | t);
    spreadPayloads = payloads(spread, r);
    topBytePayloads = payloads(topByte, r);
    noExplainSpread = stage(StitchListener.NONE);
    noExplainTopByte = stage(StitchListener.NONE);
    everySpread = stage(recorder(1_000_000));
    everyTopByte = stage(recorder(1_000_000));
    sampledSpread = stage(recorder(50));
    sampledTopByte = stage(recorder(50));
  }

  private static List<List<TraceChunk>> payloads(List<Long> traceIds, SplittableRandom r) {
    List<List<TraceChunk>> out = new ArrayList<>();
    List<TraceChunk> payload = new ArrayList<>();
    TracerInfo java = new TracerInfo("java", "17.0.15", "1.68.1", "");
    for (long traceId : traceIds) {
      List<Span> spans = new ArrayList<>();
      long root = r.nextLong();
      for (int i = 0; i < SPANS; i++) {
        spans.add(Span.builder().traceId(traceId).spanId(i == 0 ? root : r.nextLong()).parentId(i == 0 ? 0 : root).name("servlet.request")
            .service("checkout-service").resource("POST /checkout").type("web").startNanos(1_795_929_000_000_000_000L + i)
            .durationNanos(1_000_000).putMeta("env", "prod").putMeta("http.url", "http://shop.internal/checkout?order=" + traceId)
            .putMeta("span.kind", "server").putMetric(Priority.METRIC, Priority.AUTO_KEEP).build());
      }
      payload.add(new TraceChunk(traceId, spans, Priority.AUTO_KEEP, "", "prod", Half.NATIVE, java));
      if (payload.size() == PER_PAYLOAD) {
        out.add(List.copyOf(payload));
        payload.clear();
      }
    }
    return out;
  }

  private static ExplainRecorder recorder(int perSecond) {
    return new ExplainRecorder(500, 16L << 20, perSecond, Clock.systemUTC());
  }

  private static MergeStage stage(StitchListener listener) {
    TraceIndex index = new TraceIndex(2_000_000, Duration.ofMinutes(30), Ticker.systemTicker(), Scheduler.disabledScheduler());
    BatchSink discard = new BatchSink() {
      @Override
      public boolean saturated() {
        return false;
      }

      @Override
      public void submit(ChunkBatch batch) {}
    };
    return new MergeStage(index, new Stitcher(index, Clock.systemUTC()), discard, Ledger.NONE, listener, Duration.ofSeconds(1), 1_000_000,
        Duration.ofMinutes(30), 100_000, Ticker.systemTicker(), Scheduler.disabledScheduler(), MergeJournal.NONE);
  }

  private int batch(MergeStage stage, List<List<TraceChunk>> payloads, int at) {
    for (int i = 0; i < BATCH_CHUNKS / PER_PAYLOAD; i++) {
      stage.offer(payloads.get(at));
      at = at + 1 == payloads.size() ? 0 : at + 1;
    }
    stage.flush();
    return at;
  }

  @Benchmark
  public void noExplainSpread() {
    spreadAt = batch(noExplainSpread, spreadPayloads, spreadAt);
  }

  @Benchmark
  public void noExplainTopByte() {
    topByteAt = batch(noExplainTopByte, topBytePayloads, topByteAt);
  }

  @Benchmark
  public void everyTraceSpread() {
    spreadAt = batch(everySpread, spreadPayloads, spreadAt);
  }

  @Benchmark
  public void everyTraceTopByte() {
    topByteAt = batch(everyTopByte, topBytePayloads, topByteAt);
  }

  @Benchmark
  public void sampledSpread() {
    spreadAt = batch(sampledSpread, spreadPayloads, spreadAt);
  }

  @Benchmark
  public void sampledTopByte() {
    topByteAt = batch(sampledTopByte, topBytePayloads, topByteAt);
  }
}
