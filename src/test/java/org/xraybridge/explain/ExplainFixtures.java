package org.xraybridge.explain;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xraybridge.merge.MergeStage;
import org.xraybridge.merge.Stitcher;
import org.xraybridge.merge.TraceIndex;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.testing.RecordingSink;

/**
 * Named traces for the explain tests: a checkout service (Datadog tracer) calls a payments service
 * traced by X-Ray, which authorizes a card and writes to DynamoDB (an error). The tracer's half is a
 * root span and an HTTP client span; the X-Ray half is a segment whose parent is that client span
 * (a padded X-Ray id, as dd-trace injects), and two subsegments. Times are realistic, in ns.
 */
final class ExplainFixtures {

  static final long NATIVE_TRACE = 0x780c0c87013a95e4L;
  static final String TID = "6b0bb2f800000000";
  static final long ROOT = 0x1111aaaa2222bbbbL;
  static final long CLIENT = 0x2d5a03ff0ff00ee8L;
  static final long SEGMENT = 0x6aa73e21f20049faL;
  /** Top bit set: its decimal form is past Long.MAX_VALUE (10713633173203262661). */
  static final long AUTHORIZE = 0x94ae789b969f1cc5L;
  static final long DYNAMO = 0x5e8c1e4c3f0a2b77L;
  /** 2026-11-29T05:10:00Z */
  static final long T0 = 1_795_929_000_000_000_000L;
  static final long MS = 1_000_000L;
  /** A non-padded X-Ray id; alone it maps to 7043144561403045779 (docs/conversion.md §1). */
  static final String UNPADDED_XRAY_ID = "1-5759e988-bd862e3fe1be46a994272793";

  private ExplainFixtures() {}

  static String xrayId(long traceId) {
    return IdCodec.paddedXRayTraceId(T0 / 1_000_000_000L, traceId);
  }

  /** The tracer's half: checkout root and its client call to the payments service. */
  static TraceChunk nativeHalf(long traceId, int priority, String env) {
    Span root = Span.builder().traceId(traceId).spanId(ROOT).startNanos(T0).durationNanos(120 * MS).name("servlet.request")
        .service("checkout-service").resource("POST /checkout").type("web").putMeta("env", env).putMeta("_dd.p.tid", TID)
        .putMeta("http.method", "POST").putMeta("span.kind", "server").putMetric(Priority.METRIC, priority).build();
    Span client = Span.builder().traceId(traceId).spanId(CLIENT).parentId(ROOT).startNanos(T0 + 10 * MS).durationNanos(90 * MS)
        .name("http.request").service("checkout-service").resource("POST /payments").type("http").putMeta("env", env)
        .putMeta("span.kind", "client").putMeta("http.url", "http://payments.internal/payments").build();
    return new TraceChunk(traceId, List.of(root, client), priority, "", env, Half.NATIVE, new TracerInfo("java", "17", "1.68.1", ""));
  }

  /** The X-Ray half as the converter hands it over: under the client span unless datadog-metadata re-parents it. */
  static ConvertedTrace xrayHalf(String xrayId, long convertedTraceId, String env, DatadogContext dd, Half half) {
    Span segment = Span.builder().traceId(convertedTraceId).spanId(SEGMENT).parentId(dd.present() ? 0 : CLIENT)
        .startNanos(T0 + 15 * MS).durationNanos(80 * MS).name("http.server.request").service("payments-service")
        .resource("POST /payments").type("web").putMeta("env", env).putMeta("aws.xray.trace_id", xrayId)
        .putMeta("span.kind", "server").putMeta("http.status_code", "500").build();
    Span authorize = Span.builder().traceId(convertedTraceId).spanId(AUTHORIZE).parentId(SEGMENT).startNanos(T0 + 20 * MS)
        .durationNanos(35 * MS).name("authorize_card").service("payments-service").resource("authorize_card").type("custom")
        .putMeta("env", env).putMeta("aws.xray.trace_id", xrayId).build();
    Span dynamo = Span.builder().traceId(convertedTraceId).spanId(DYNAMO).parentId(SEGMENT).startNanos(T0 + 60 * MS)
        .durationNanos(30 * MS).error(1).name("aws.dynamodb.request").service("payments-service").resource("DynamoDB.PutItem")
        .type("http").putMeta("env", env).putMeta("aws.xray.trace_id", xrayId).putMeta("aws.table_name", "payments")
        .putMeta("error.type", "ProvisionedThroughputExceededException").putMeta("error.message", "Rate of requests exceeds the allowed throughput")
        .build();
    return new ConvertedTrace(xrayId, convertedTraceId, half, List.of(segment, authorize, dynamo), env, dd,
        Set.of(IdCodec.toHex64(SEGMENT)), Set.of(), Set.of());
  }

  static ConvertedTrace xrayHalf(long traceId, String env) {
    return xrayHalf(xrayId(traceId), traceId, env, DatadogContext.NONE, Half.XRAY_POLL);
  }

  /** What Datadog's Lambda libraries write: the tracer's trace, the client span as parent, priority auto-keep. */
  static DatadogContext datadogMetadata(long traceId) {
    return new DatadogContext(traceId, CLIENT, Priority.AUTO_KEEP, Map.of("function_trigger.event_source", "api-gateway"), SEGMENT);
  }

  /** The real merge stage, trace index and stitcher, with the recorder as listener and a recording sink. */
  static final class Pipeline {
    final ExplainRecorder recorder;
    final TraceIndex index = new TraceIndex(10_000, Duration.ofMinutes(30), Ticker.systemTicker(), Scheduler.disabledScheduler());
    final RecordingSink sink = new RecordingSink();
    final MergeStage stage;

    Pipeline(ExplainRecorder recorder) {
      this(recorder, 10_000);
    }

    Pipeline(ExplainRecorder recorder, int maxBatchSpans) {
      this.recorder = recorder;
      this.stage = new MergeStage(index, new Stitcher(index, Clock.systemUTC()), sink, Ledger.NONE, recorder, Duration.ofSeconds(1),
          maxBatchSpans, Duration.ofMinutes(30), 100_000, Ticker.systemTicker(), Scheduler.disabledScheduler(), MergeJournal.NONE);
    }

    Pipeline offer(TraceChunk nativeChunk) {
      stage.offer(List.of(nativeChunk));
      return this;
    }

    Pipeline offer(ConvertedTrace xray) {
      stage.offer(xray);
      return this;
    }

    Pipeline flush() {
      stage.flush();
      return this;
    }
  }
}
