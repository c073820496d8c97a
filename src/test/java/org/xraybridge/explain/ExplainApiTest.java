package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.explain.ExplainFixtures.AUTHORIZE;
import static org.xraybridge.explain.ExplainFixtures.CLIENT;
import static org.xraybridge.explain.ExplainFixtures.DYNAMO;
import static org.xraybridge.explain.ExplainFixtures.NATIVE_TRACE;
import static org.xraybridge.explain.ExplainFixtures.ROOT;
import static org.xraybridge.explain.ExplainFixtures.SEGMENT;
import static org.xraybridge.explain.ExplainFixtures.TID;
import static org.xraybridge.explain.ExplainFixtures.UNPADDED_XRAY_ID;
import static org.xraybridge.explain.ExplainFixtures.datadogMetadata;
import static org.xraybridge.explain.ExplainFixtures.nativeHalf;
import static org.xraybridge.explain.ExplainFixtures.xrayHalf;
import static org.xraybridge.explain.ExplainFixtures.xrayId;

import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;

/**
 * The explain API on traces recorded through the real merge stage, trace index and stitcher (the
 * recorder is the stage's listener), one test per way the halves meet or do not (docs/stitching.md).
 */
class ExplainApiTest {

  final ExplainRecorder recorder = new ExplainRecorder(100, 8 * 1024 * 1024, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
  final ExplainFixtures.Pipeline pipeline = new ExplainFixtures.Pipeline(recorder);
  final WebTestClient client = WebTestClient.bindToRouterFunction(ExplainRoutes.create(recorder)).build();

  WebTestClient.BodyContentSpec get(String path) {
    return client.get().uri(path).accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
        .expectBody();
  }

  static String span(long id, String field) {
    return "$.spans[?(@.spanIdHex=='" + IdCodec.toHex64(id) + "')]." + field;
  }

  @Test
  void getTrace_joinedInOneBatch_eachSpanKeepsItsHalfAndTheJoinIsExplained() {
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).offer(xrayHalf(NATIVE_TRACE, "prod")).flush();
    // both halves met in one batch: the stage merged them into one chunk whose own half is NATIVE
    assertThat(pipeline.sink.batches.get(0).chunks()).singleElement().satisfies(c -> assertThat(c.half()).isEqualTo(Half.NATIVE));

    get("/api/traces/" + Long.toUnsignedString(NATIVE_TRACE))
        .jsonPath("$.status").isEqualTo("joined")
        .jsonPath("$.joined").isEqualTo(true)
        .jsonPath("$.reason").value(r -> assertThat((String) r).contains("joined", "'prod'"))
        .jsonPath("$.traceId").isEqualTo("8650302758252615140")
        .jsonPath("$.traceIdHex").isEqualTo("780c0c87013a95e4")
        .jsonPath("$.traceIdHigh").isEqualTo(TID)
        .jsonPath("$.traceKey").isEqualTo("8650302758252615140")
        .jsonPath("$.xrayTraceIds[0]").isEqualTo(xrayId(NATIVE_TRACE))
        .jsonPath("$.halves").isEqualTo(List.of("native", "xray_poll"))
        .jsonPath("$.services").isEqualTo(List.of("checkout-service", "payments-service"))
        .jsonPath("$.envs").isEqualTo(List.of("prod"))
        .jsonPath("$.envsByHalf.native").isEqualTo(List.of("prod"))
        .jsonPath("$.envsByHalf.xray_poll").isEqualTo(List.of("prod"))
        .jsonPath("$.spanCount").isEqualTo(5)
        .jsonPath("$.decision.priority").isEqualTo(1)
        .jsonPath("$.decision.name").isEqualTo("auto_keep")
        .jsonPath("$.decision.decidedBy").isEqualTo("native")
        .jsonPath("$.drops").isEmpty()
        // per-span origin inside the merged chunk
        .jsonPath(span(ROOT, "half")).isEqualTo("native")
        .jsonPath(span(CLIENT, "half")).isEqualTo("native")
        .jsonPath(span(SEGMENT, "half")).isEqualTo("xray_poll")
        .jsonPath(span(AUTHORIZE, "half")).isEqualTo("xray_poll")
        .jsonPath(span(DYNAMO, "half")).isEqualTo("xray_poll")
        // ids as unsigned decimal and hex, the X-Ray root under the tracer's client span
        .jsonPath(span(SEGMENT, "parentId")).isEqualTo(Long.toUnsignedString(CLIENT))
        .jsonPath(span(SEGMENT, "parentIdHex")).isEqualTo("2d5a03ff0ff00ee8")
        .jsonPath(span(AUTHORIZE, "spanId")).isEqualTo("10713633173203262661")
        .jsonPath(span(SEGMENT, "traceId")).isEqualTo("8650302758252615140")
        .jsonPath(span(ROOT, "parentId")).isEqualTo("")
        // times in ns, and relative to the earliest span for the waterfall
        .jsonPath(span(ROOT, "startNanos")).isEqualTo(ExplainFixtures.T0)
        .jsonPath(span(ROOT, "offsetNanos")).isEqualTo(0)
        .jsonPath(span(SEGMENT, "offsetNanos")).isEqualTo(15_000_000)
        .jsonPath(span(SEGMENT, "durationNanos")).isEqualTo(80_000_000)
        .jsonPath(span(DYNAMO, "error")).isEqualTo(1)
        .jsonPath(span(DYNAMO, "meta['aws.table_name']")).isEqualTo("payments")
        .jsonPath(span(ROOT, "metrics['_sampling_priority_v1']")).isEqualTo(1.0)
        // the decisions, oldest first
        .jsonPath("$.decisions.length()").isEqualTo(2)
        .jsonPath("$.decisions[0].kind").isEqualTo("native")
        .jsonPath("$.decisions[0].env").isEqualTo("prod")
        .jsonPath("$.decisions[0].ownPriority").isEqualTo(1)
        .jsonPath("$.decisions[0].tracer").isEqualTo("java")
        .jsonPath("$.decisions[1].kind").isEqualTo("xray")
        .jsonPath("$.decisions[1].half").isEqualTo("xray_poll")
        .jsonPath("$.decisions[1].outcome").isEqualTo("joined")
        .jsonPath("$.decisions[1].indexHit").isEqualTo(true)
        .jsonPath("$.decisions[1].indexEnv").isEqualTo("prod")
        .jsonPath("$.decisions[1].env").isEqualTo("prod")
        .jsonPath("$.decisions[1].rekeyed").isEqualTo(false)
        .jsonPath("$.decisions[1].spans").isEqualTo(3)
        .jsonPath("$.decisions[1].decision.decidedBy").isEqualTo("native")
        .jsonPath("$.decisions[1].explanation").value(e -> assertThat((String) e).startsWith("Index hit"));
  }

  @Test
  void getTrace_byXRayIdOrHex_findsTheSameTrace() {
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).flush().offer(xrayHalf(NATIVE_TRACE, "prod")).flush();

    get("/api/traces/" + xrayId(NATIVE_TRACE)).jsonPath("$.traceKey").isEqualTo("8650302758252615140");
    get("/api/traces/0000000000000000780c0c87013a95e4").jsonPath("$.traceKey").isEqualTo("8650302758252615140");
    get("/api/traces/780c0c87013a95e4").jsonPath("$.status").isEqualTo("joined");
  }

  @Test
  void getTrace_envMismatch_notJoinedAndNamesBothEnvs() {
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).flush().offer(xrayHalf(NATIVE_TRACE, "none")).flush();

    get("/api/traces/" + Long.toUnsignedString(NATIVE_TRACE))
        .jsonPath("$.status").isEqualTo("env_mismatch")
        .jsonPath("$.joined").isEqualTo(false)
        .jsonPath("$.reason").value(r -> assertThat((String) r).contains("env mismatch", "'prod'", "'none'"))
        .jsonPath("$.envs").isEqualTo(List.of("prod", "none"))
        .jsonPath("$.envsByHalf.native").isEqualTo(List.of("prod"))
        .jsonPath("$.envsByHalf.xray_poll").isEqualTo(List.of("none"))
        .jsonPath("$.halves").isEqualTo(List.of("native", "xray_poll"))
        .jsonPath("$.decisions[1].outcome").isEqualTo("env_mismatch")
        .jsonPath("$.decisions[1].indexHit").isEqualTo(true)
        .jsonPath("$.decisions[1].indexEnv").isEqualTo("prod")
        .jsonPath("$.decisions[1].env").isEqualTo("none")
        // the X-Ray half keeps a decision of its own; the trace's is the tracer's
        .jsonPath("$.decisions[1].decision.name").isEqualTo("user_keep")
        .jsonPath("$.decisions[1].decision.decidedBy").isEqualTo("xray_poll")
        .jsonPath("$.decision.name").isEqualTo("auto_keep")
        .jsonPath("$.decision.decidedBy").isEqualTo("native")
        .jsonPath("$.decisions[1].explanation").value(e -> assertThat((String) e).contains("bridge.xray.env"))
        .jsonPath(span(SEGMENT, "half")).isEqualTo("xray_poll");
  }

  @Test
  void getTrace_indexMiss_xrayHalfAloneDecidesUserKeep() {
    long traceId = 0x0123456789abcdefL;
    pipeline.offer(xrayHalf(traceId, "prod")).flush();

    get("/api/traces/" + Long.toUnsignedString(traceId))
        .jsonPath("$.status").isEqualTo("index_miss")
        .jsonPath("$.joined").isEqualTo(false)
        .jsonPath("$.reason").value(r -> assertThat((String) r).contains("no tracer half", "bridge.merge.index-ttl"))
        .jsonPath("$.halves").isEqualTo(List.of("xray_poll"))
        .jsonPath("$.spanCount").isEqualTo(3)
        .jsonPath("$.spans[*].half").isEqualTo(List.of("xray_poll", "xray_poll", "xray_poll"))
        .jsonPath("$.decision.priority").isEqualTo(2)
        .jsonPath("$.decision.name").isEqualTo("user_keep")
        .jsonPath("$.decision.decidedBy").isEqualTo("xray_poll")
        .jsonPath("$.decisions.length()").isEqualTo(1)
        .jsonPath("$.decisions[0].outcome").isEqualTo("index_miss")
        .jsonPath("$.decisions[0].indexHit").isEqualTo(false)
        .jsonPath("$.decisions[0].indexEnv").isEqualTo("")
        .jsonPath("$.decisions[0].explanation").value(e -> assertThat((String) e).startsWith("Index miss"));
  }

  @Test
  void getTrace_datadogMetadata_rekeyedIntoTheTracersTraceAndFoundByItsOwnXRayId() {
    long converted = IdCodec.datadogTraceId(UNPADDED_XRAY_ID);
    assertThat(converted).isEqualTo(7043144561403045779L);
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).flush()
        .offer(xrayHalf(UNPADDED_XRAY_ID, converted, "prod", datadogMetadata(NATIVE_TRACE), Half.XRAY_DAEMON)).flush();

    get("/api/traces/" + Long.toUnsignedString(NATIVE_TRACE))
        .jsonPath("$.status").isEqualTo("joined")
        .jsonPath("$.halves").isEqualTo(List.of("native", "xray_daemon"))
        .jsonPath("$.xrayTraceIds[0]").isEqualTo(UNPADDED_XRAY_ID)
        .jsonPath("$.decisions[1].rekeyed").isEqualTo(true)
        .jsonPath("$.decisions[1].outcome").isEqualTo("joined")
        .jsonPath("$.decisions[1].half").isEqualTo("xray_daemon")
        .jsonPath("$.decisions[1].convertedTraceId").isEqualTo("7043144561403045779")
        .jsonPath("$.decisions[1].traceId").isEqualTo("8650302758252615140")
        .jsonPath("$.decisions[1].datadogMetadata.traceId").isEqualTo("8650302758252615140")
        .jsonPath("$.decisions[1].datadogMetadata.parentIdHex").isEqualTo("2d5a03ff0ff00ee8")
        .jsonPath("$.decisions[1].datadogMetadata.samplingPriority").isEqualTo("1")
        .jsonPath("$.decisions[1].explanation").value(e -> assertThat((String) e).startsWith("Re-keyed by a datadog-metadata subsegment"))
        // re-parented under the client span, re-keyed to the tracer's id, trigger tags on the function span
        .jsonPath(span(SEGMENT, "parentIdHex")).isEqualTo("2d5a03ff0ff00ee8")
        .jsonPath(span(SEGMENT, "traceIdHex")).isEqualTo("780c0c87013a95e4")
        .jsonPath(span(SEGMENT, "half")).isEqualTo("xray_daemon")
        .jsonPath(span(SEGMENT, "meta['function_trigger.event_source']")).isEqualTo("api-gateway");

    // the X-Ray id a user finds in the AWS console leads to the same trace
    get("/api/traces/" + UNPADDED_XRAY_ID).jsonPath("$.traceKey").isEqualTo("8650302758252615140");
  }

  @Test
  void getTrace_spansFromTheLogsGroup_taggedXRayLogs() {
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).flush()
        .offer(xrayHalf(xrayId(NATIVE_TRACE), NATIVE_TRACE, "prod", DatadogContext.NONE, Half.XRAY_LOGS)).flush();

    get("/api/traces/" + Long.toUnsignedString(NATIVE_TRACE))
        .jsonPath("$.status").isEqualTo("joined")
        .jsonPath("$.halves").isEqualTo(List.of("native", "xray_logs"))
        .jsonPath("$.envsByHalf.xray_logs").isEqualTo(List.of("prod"))
        .jsonPath("$.decisions[1].half").isEqualTo("xray_logs")
        .jsonPath(span(SEGMENT, "half")).isEqualTo("xray_logs");
  }

  @Test
  void getTrace_sampledOut_xrayHalfDroppedAndCounted() {
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_REJECT, "prod")).flush().offer(xrayHalf(NATIVE_TRACE, "prod")).flush();

    get("/api/traces/" + Long.toUnsignedString(NATIVE_TRACE))
        .jsonPath("$.status").isEqualTo("sampled_out")
        .jsonPath("$.joined").isEqualTo(false)
        .jsonPath("$.reason").value(r -> assertThat((String) r).contains("auto_reject", "native"))
        .jsonPath("$.decision.priority").isEqualTo(0)
        .jsonPath("$.decision.decidedBy").isEqualTo("native")
        // only the tracer's spans went on; the X-Ray half was seen and dropped
        .jsonPath("$.spanCount").isEqualTo(2)
        .jsonPath("$.spans[*].half").isEqualTo(List.of("native", "native"))
        .jsonPath("$.halves").isEqualTo(List.of("native", "xray_poll"))
        .jsonPath("$.drops.length()").isEqualTo(1)
        .jsonPath("$.drops[0].reason").isEqualTo("sampled_out")
        .jsonPath("$.drops[0].half").isEqualTo("xray_poll")
        .jsonPath("$.drops[0].spans").isEqualTo(3)
        .jsonPath("$.decisions[1].outcome").isEqualTo("sampled_out")
        .jsonPath("$.decisions[1].sampledOut").isEqualTo(3)
        .jsonPath("$.decisions[1].indexHit").isEqualTo(true);
  }

  @Test
  void getTrace_sameXRayHalfTwice_duplicatesListedAsDrops() {
    pipeline.offer(xrayHalf(NATIVE_TRACE, "prod")).flush().offer(xrayHalf(NATIVE_TRACE, "prod")).flush();

    get("/api/traces/" + Long.toUnsignedString(NATIVE_TRACE))
        .jsonPath("$.spanCount").isEqualTo(3)
        .jsonPath("$.drops[0].reason").isEqualTo("duplicate")
        .jsonPath("$.drops[0].spans").isEqualTo(3)
        .jsonPath("$.decisions[1].outcome").isEqualTo("joined_xray")
        .jsonPath("$.decisions[1].duplicates").isEqualTo(3);
  }

  @Test
  void getTrace_xrayFirstThenTracer_joinedWithTheXRayDecision() {
    pipeline.offer(xrayHalf(NATIVE_TRACE, "prod")).flush().offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_REJECT, "prod")).flush();

    get("/api/traces/" + Long.toUnsignedString(NATIVE_TRACE))
        .jsonPath("$.status").isEqualTo("joined")
        .jsonPath("$.reason").value(r -> assertThat((String) r).contains("X-Ray half came first"))
        .jsonPath("$.decision.name").isEqualTo("user_keep")
        .jsonPath("$.decision.decidedBy").isEqualTo("xray_poll")
        .jsonPath("$.decisions[1].kind").isEqualTo("native")
        .jsonPath("$.decisions[1].ownPriority").isEqualTo(0)
        .jsonPath("$.decisions[1].decision.priority").isEqualTo(2)
        .jsonPath("$.spanCount").isEqualTo(5);
  }

  @Test
  void getTrace_unknownId_404WithAMessage() {
    client.get().uri("/api/traces/12345").exchange()
        .expectStatus().isNotFound()
        .expectBody()
        .jsonPath("$.error").isEqualTo("not_found")
        .jsonPath("$.message").value(m -> assertThat((String) m).contains("trace 12345", "bridge.explain.max-traces"));
  }

  @Test
  void getTrace_malformedId_400QuotingTheInput() {
    client.get().uri("/api/traces/not-an-id").exchange()
        .expectStatus().isBadRequest()
        .expectBody()
        .jsonPath("$.error").isEqualTo("malformed_trace_id")
        .jsonPath("$.message").value(m -> assertThat((String) m).contains("'not-an-id'"));
    client.get().uri("/api/traces/1-5759e988-zzzz").exchange().expectStatus().isBadRequest();
  }

  @Test
  void listTraces_newestFirst_withSummaryPerTrace() {
    long missOnly = 0x0123456789abcdefL;
    long nativeOnly = 0x00000000cafef00dL;
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).flush().offer(xrayHalf(NATIVE_TRACE, "prod")).flush();
    pipeline.offer(xrayHalf(missOnly, "staging")).flush();
    pipeline.offer(nativeHalf(nativeOnly, Priority.AUTO_KEEP, "prod")).flush();

    get("/api/traces")
        .jsonPath("$.recorded").isEqualTo(3)
        .jsonPath("$.maxTraces").isEqualTo(100)
        .jsonPath("$.evicted").isEqualTo(0)
        .jsonPath("$.maxTracesPerSecond").isEqualTo(ExplainFixtures.EVERY_TRACE)
        .jsonPath("$.skipped").isEqualTo(0)
        .jsonPath("$.bytes").value(b -> assertThat(((Number) b).longValue()).isPositive())
        .jsonPath("$.traces[*].traceId").isEqualTo(List.of(Long.toUnsignedString(nativeOnly), Long.toUnsignedString(missOnly),
            Long.toUnsignedString(NATIVE_TRACE)))
        .jsonPath("$.traces[*].status").isEqualTo(List.of("native_only", "index_miss", "joined"))
        .jsonPath("$.traces[0].reason").value(r -> assertThat((String) r).contains("no X-Ray half seen yet"))
        .jsonPath("$.traces[2].traceIdHex").isEqualTo("780c0c87013a95e4")
        .jsonPath("$.traces[2].services").isEqualTo(List.of("checkout-service", "payments-service"))
        .jsonPath("$.traces[2].envs").isEqualTo(List.of("prod"))
        .jsonPath("$.traces[2].spanCount").isEqualTo(5)
        .jsonPath("$.traces[2].halves").isEqualTo(List.of("native", "xray_poll"))
        .jsonPath("$.traces[2].joined").isEqualTo(true)
        .jsonPath("$.traces[2].decision.name").isEqualTo("auto_keep")
        .jsonPath("$.traces[2].xrayTraceIds[0]").isEqualTo(xrayId(NATIVE_TRACE));

    // an update makes a trace the newest
    pipeline.offer(xrayHalf(missOnly, "staging")).flush();
    get("/api/traces?limit=1").jsonPath("$.traces[*].traceId").isEqualTo(List.of(Long.toUnsignedString(missOnly)));
  }

  @Test
  void listTraces_filters_byServiceEnvAndJoined() {
    long missOnly = 0x0123456789abcdefL;
    long nativeOnly = 0x00000000cafef00dL;
    pipeline.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).offer(xrayHalf(NATIVE_TRACE, "prod")).flush();
    pipeline.offer(xrayHalf(missOnly, "staging")).offer(nativeHalf(nativeOnly, Priority.AUTO_KEEP, "prod")).flush();

    get("/api/traces?joined=true").jsonPath("$.traces[*].traceIdHex").isEqualTo(List.of("780c0c87013a95e4"));
    get("/api/traces?joined=false").jsonPath("$.traces.length()").isEqualTo(2);
    get("/api/traces?service=PAYMENTS-service").jsonPath("$.traces[*].traceIdHex")
        .isEqualTo(List.of("0123456789abcdef", "780c0c87013a95e4"));
    get("/api/traces?env=staging").jsonPath("$.traces[*].traceIdHex").isEqualTo(List.of("0123456789abcdef"));
    get("/api/traces?env=prod&service=checkout-service&joined=false").jsonPath("$.traces[*].traceIdHex")
        .isEqualTo(List.of("00000000cafef00d"));
    get("/api/traces?service=nobody").jsonPath("$.traces").isEmpty();
  }

  @Test
  void listTraces_badParameters_400NamingTheParameter() {
    client.get().uri("/api/traces?joined=maybe").exchange()
        .expectStatus().isBadRequest()
        .expectBody().jsonPath("$.error").isEqualTo("bad_parameter").jsonPath("$.message").value(m -> assertThat((String) m)
            .contains("joined", "'maybe'"));
    client.get().uri("/api/traces?limit=0").exchange()
        .expectStatus().isBadRequest()
        .expectBody().jsonPath("$.message").value(m -> assertThat((String) m).startsWith("limit"));
    client.get().uri("/api/traces?limit=ten").exchange().expectStatus().isBadRequest();
  }

  @Test
  void page_servedAtRootWithAStrictContentSecurityPolicy() {
    client.get().uri("/").exchange()
        .expectStatus().isOk()
        .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
        .expectHeader().valueEquals("Content-Security-Policy", ExplainRoutes.CSP)
        .expectBody(String.class).value(html -> assertThat(html).contains("/explain/explain.js", "/explain/explain.css")
            .doesNotContain("http://", "https://"));
    client.get().uri("/explain/explain.js").exchange().expectStatus().isOk()
        .expectBody(String.class).value(js -> assertThat(js).contains("/api/traces").doesNotContain("innerHTML", "http://", "https://"));
    client.get().uri("/explain/explain.css").exchange().expectStatus().isOk();
  }

  @Test
  void getTrace_datadogMetadataWithoutTracerHalf_indexMissDecidedByTheMetadata() {
    long converted = IdCodec.datadogTraceId(UNPADDED_XRAY_ID);
    pipeline.offer(xrayHalf(UNPADDED_XRAY_ID, converted, "prod", datadogMetadata(NATIVE_TRACE), Half.XRAY_POLL)).flush();

    get("/api/traces/" + UNPADDED_XRAY_ID)
        .jsonPath("$.status").isEqualTo("index_miss")
        .jsonPath("$.traceId").isEqualTo("8650302758252615140")
        .jsonPath("$.decision.name").isEqualTo("auto_keep")
        .jsonPath("$.decisions[0].rekeyed").isEqualTo(true)
        .jsonPath("$.decisions[0].explanation").value(e -> assertThat((String) e).contains("from datadog-metadata"));
  }
}
