package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.explain.ExplainFixtures.NATIVE_TRACE;
import static org.xraybridge.explain.ExplainFixtures.nativeHalf;
import static org.xraybridge.explain.ExplainFixtures.xrayHalf;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/** The recorder's bounds, eviction order and thread safety, driven through the real merge stage. */
class ExplainRecorderTest {

  static final ExplainRecorder.Query ALL = new ExplainRecorder.Query(1_000, "", "", ExplainRecorder.Query.Joined.ANY);

  static List<String> keys(ExplainRecorder r) {
    return r.list(ALL).traces().stream().map(ExplainView.Summary::traceKey).toList();
  }

  @Test
  void flushed_moreTracesThanMax_evictsTheLeastRecentlyUpdatedFirst() {
    ExplainRecorder recorder = new ExplainRecorder(3, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);
    for (long t = 1; t <= 3; t++) p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod")).flush();
    p.offer(xrayHalf(1, "prod")).flush(); // trace 1 is updated: now the newest
    p.offer(nativeHalf(4, Priority.AUTO_KEEP, "prod")).flush();

    assertThat(keys(recorder)).containsExactly("4", "1", "3");
    assertThat(recorder.evicted()).isEqualTo(1);
    assertThat(recorder.bytes()).isEqualTo(recorder.recount());
    assertThat(recorder.find(2)).isNull();
    assertThat(recorder.find(1).summary().status()).isEqualTo("joined");
  }

  @Test
  void kafkaMode_everyTraceNamesTheReplicaThatHandledIt_singleModeNone() {
    ExplainRecorder replica = new ExplainRecorder(10, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC(), "r2");
    new ExplainFixtures.Pipeline(replica).offer(nativeHalf(1, Priority.AUTO_KEEP, "prod")).offer(xrayHalf(1, "prod")).flush();
    assertThat(replica.list(ALL).traces()).extracting(ExplainView.Summary::replica).containsExactly("r2");
    assertThat(replica.find(1).summary().replica()).isEqualTo("r2");

    ExplainRecorder single = new ExplainRecorder(10, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    new ExplainFixtures.Pipeline(single).offer(nativeHalf(1, Priority.AUTO_KEEP, "prod")).flush();
    assertThat(single.find(1).summary().replica()).isEmpty();
  }

  @Test
  void flushed_overTheByteBound_evictsOldestAndStaysWithinIt() {
    long maxBytes = 16 * 1024;
    ExplainRecorder recorder = new ExplainRecorder(1_000, maxBytes, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);
    for (long t = 1; t <= 200; t++) {
      p.offer(nativeHalf(t, Priority.AUTO_KEEP, "prod")).offer(xrayHalf(t, "prod")).flush();
      assertThat(recorder.bytes()).isLessThanOrEqualTo(maxBytes).isEqualTo(recorder.recount());
    }
    assertThat(recorder.size()).isBetween(2, 199);
    assertThat(recorder.evicted()).isEqualTo(200 - recorder.size());
    assertThat(keys(recorder).get(0)).isEqualTo("200");
    assertThat(recorder.find(200).spans()).hasSize(5);
  }

  @Test
  void flushed_oneTraceLargerThanItsShare_keepsAQuarterOfMaxBytesAndCountsTheRest() {
    long maxBytes = 64 * 1024;
    ExplainRecorder recorder = new ExplainRecorder(100, maxBytes, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    List<Span> spans = new ArrayList<>();
    for (int i = 1; i <= 1_000; i++) {
      spans.add(Span.builder().traceId(7).spanId(i).parentId(i == 1 ? 0 : 1).name("work").service("batch").resource("item " + i)
          .putMeta("env", "prod").build());
    }
    TraceChunk huge = new TraceChunk(7, spans, Priority.AUTO_KEEP, "", "prod", Half.NATIVE, TracerInfo.UNKNOWN);
    recorder.nativeChunk(huge, Priority.AUTO_KEEP);
    recorder.flushed(ChunkBatch.of(List.of(huge)));

    ExplainView.Detail d = recorder.find(7);
    assertThat(d.summary().spanCount()).isEqualTo(1_000);
    assertThat(d.omittedSpans()).isPositive();
    assertThat(d.spans()).hasSize(1_000 - d.omittedSpans());
    assertThat(recorder.bytes()).isLessThanOrEqualTo(maxBytes / 4 + TraceRecord.RECORD_BYTES);
  }

  @Test
  void nativeChunks_consecutiveAlike_countedAsOneDecision() {
    ExplainRecorder recorder = new ExplainRecorder(10, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);
    for (int i = 0; i < 100; i++) p.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod"));
    p.flush();

    ExplainView.Detail d = recorder.find(NATIVE_TRACE);
    assertThat(d.decisions()).singleElement().isInstanceOfSatisfying(ExplainView.NativeDecision.class, n -> {
      assertThat(n.chunks()).isEqualTo(100);
      assertThat(n.spans()).isEqualTo(200);
    });
  }

  @Test
  void flushed_decisionsEvictedBeforeTheSpans_statusUnknownAndHalfFromTheChunk() {
    ExplainRecorder recorder = new ExplainRecorder(10, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    TraceChunk chunk = new TraceChunk(42, List.of(Span.builder().traceId(42).spanId(1).name("x").service("s").resource("r").build()),
        Priority.USER_KEEP, "", "prod", Half.XRAY_DAEMON, TracerInfo.XRAY);
    recorder.flushed(ChunkBatch.of(List.of(chunk)));

    ExplainView.Detail d = recorder.find(42);
    assertThat(d.summary().status()).isEqualTo("unknown");
    assertThat(d.summary().reason()).contains("bridge.explain.max-traces");
    assertThat(d.summary().halves()).containsExactly("xray_daemon");
    assertThat(d.spans()).singleElement().satisfies(s -> assertThat(s.half()).isEqualTo("xray_daemon"));
  }

  @Test
  void maxTracesZero_recordsNothing() {
    ExplainRecorder recorder = new ExplainRecorder(0, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    new ExplainFixtures.Pipeline(recorder).offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).offer(xrayHalf(NATIVE_TRACE, "prod"))
        .flush();
    assertThat(recorder.size()).isZero();
    assertThat(recorder.bytes()).isZero();
    assertThat(recorder.find(NATIVE_TRACE)).isNull();
  }

  @Test
  void evictedReKeyedTrace_itsXRayIdNoLongerFindsIt() {
    ExplainRecorder recorder = new ExplainRecorder(1, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);
    long converted = IdCodec.datadogTraceId(ExplainFixtures.UNPADDED_XRAY_ID);
    p.offer(xrayHalf(ExplainFixtures.UNPADDED_XRAY_ID, converted, "prod", ExplainFixtures.datadogMetadata(NATIVE_TRACE), Half.XRAY_POLL))
        .flush();
    assertThat(recorder.find(converted)).isNotNull();
    p.offer(nativeHalf(99, Priority.AUTO_KEEP, "prod")).flush();
    assertThat(recorder.find(converted)).isNull();
    assertThat(recorder.find(NATIVE_TRACE)).isNull();
  }

  /**
   * A caller fanning out to many Lambda invocations: each X-Ray trace is re-keyed into the one trace
   * by datadog-metadata. The trace stays findable by its first X-Ray ids (as its list of X-Ray ids
   * keeps its first 16), and the aliases stay bounded: before, every half added one for good, outside
   * max-bytes, each looked up in a list under the recorder's lock.
   */
  @Test
  void manyReKeyedHalvesIntoOneTrace_keepABoundedNumberOfAliases() {
    ExplainRecorder recorder = new ExplainRecorder(10, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);
    for (long i = 1; i <= 200; i++) {
      p.offer(xrayHalf(ExplainFixtures.xrayId(1000 + i), 1000 + i, "prod", ExplainFixtures.datadogMetadata(NATIVE_TRACE),
          Half.XRAY_POLL));
    }
    p.flush();

    assertThat(recorder.find(1001)).as("the first re-keyed half still finds the trace").isNotNull();
    assertThat(recorder.find(1000 + TraceRecord.MAX_NAMES)).isNotNull();
    assertThat(recorder.find(1000 + TraceRecord.MAX_NAMES + 1)).as("past the bound: no alias").isNull();
    assertThat(recorder.find(1200)).isNull();
  }

  /** Producers on four threads and a flusher, as in the service: bounds hold, nothing fails, every recorded span has a half. */
  @Test
  void concurrentProducers_boundsHoldAndNothingFails() throws Exception {
    long maxBytes = 256 * 1024;
    ExplainRecorder recorder = new ExplainRecorder(50, maxBytes, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
    ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder, 64);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      long seed = w;
      done.add(pool.submit(() -> {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 500; i++) {
          long traceId = 1 + r.nextInt(200);
          if (r.nextBoolean()) p.offer(nativeHalf(traceId, 1 + r.nextInt(2), r.nextInt(8) == 0 ? "staging" : "prod"));
          else p.offer(xrayHalf(traceId, "prod"));
          if (i % 50 == 0) recorder.list(ALL);
        }
      }));
    }
    for (Future<?> f : done) f.get(30, TimeUnit.SECONDS);
    pool.shutdown();
    p.flush();

    assertThat(recorder.failures()).isZero();
    assertThat(recorder.size()).isLessThanOrEqualTo(50);
    assertThat(recorder.bytes()).isLessThanOrEqualTo(maxBytes).isEqualTo(recorder.recount());
    for (ExplainView.Summary s : recorder.list(ALL).traces()) {
      ExplainView.Detail d = recorder.find(Long.parseLong(s.traceKey()));
      for (ExplainView.SpanRow row : d.spans()) {
        // the fixture's X-Ray spans are the payments service, the tracer's the checkout service
        assertThat(row.half()).isEqualTo(row.service().equals("payments-service") ? "xray_poll" : "native");
      }
    }
  }
}
