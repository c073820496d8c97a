package org.xraybridge.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.TestLedger;

class SegmentConverterTest {

  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  static final String TRACE = "1-5759e988-bd862e3fe1be46a994272793";
  static final long TRACE_ID = 7043144561403045779L;

  private final TestLedger ledger = new TestLedger();
  private final SegmentConverter converter =
      new SegmentConverter(ConvertOptions.DEFAULTS, ledger, Clock.fixed(NOW, ZoneOffset.UTC));

  static String segment(String id, String extra) {
    return "{\"trace_id\":\"" + TRACE + "\",\"id\":\"" + id + "\",\"name\":\"svc\",\"start_time\":1795000000.5,"
        + "\"end_time\":1795000001.25" + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  private Conversion convert(String... docs) {
    List<SegmentDocument> list = new ArrayList<>();
    for (String d : docs) list.add(new SegmentDocument("", d));
    return converter.convertDetailed(new XRayDocuments(TRACE, list, Half.XRAY_POLL, false));
  }

  private static Span span(Conversion c, String hexId) {
    long id = IdCodec.parseHex64(hexId, "id");
    return c.trace().spans().stream().filter(s -> s.spanId() == id).findFirst().orElseThrow(() -> new AssertionError("no span " + hexId));
  }

  @Test
  void convert_minimalSegment_exactIdsAndTimes() {
    Conversion c = convert(segment("70de5b6f19ff9a0a", ""));
    Span s = span(c, "70de5b6f19ff9a0a");
    assertThat(s.traceId()).isEqualTo(TRACE_ID);
    assertThat(s.parentId()).isZero();
    assertThat(s.startNanos()).isEqualTo(1795000000500000000L);
    assertThat(s.durationNanos()).isEqualTo(750000000L);
    assertThat(s.meta()).containsEntry("env", "none").containsEntry("aws.xray.trace_id", TRACE).containsEntry("span.kind", "server");
    assertThat(c.trace().emittedSegmentIds()).containsExactly("70de5b6f19ff9a0a");
    assertThat(c.rejections()).isEmpty();
  }

  @Test
  void convert_badDocumentBesideGoodOnes_onlyTheBadOneIsRejected() {
    Conversion c = convert(
        segment("1111111111111111", ""),
        "{not json",
        "[1,2]",
        segment("2222222222222222", "").replace("\"name\":\"svc\",", ""),
        segment("zzzz222222222222", ""),
        segment("0000000000000000", ""),
        segment("3333333333333333", "").replace(TRACE, "1-12345678-1234567890abcdefghijklmn"),
        segment("4444444444444444", "").replace("1795000000.5", "2795000000"),
        segment("5555555555555555", "").replace(",\"end_time\":1795000001.25", ""),
        segment("6666666666666666", ""));
    assertThat(c.trace().spans()).extracting(s -> IdCodec.toHex64(s.spanId())).containsExactly("1111111111111111", "6666666666666666");
    assertThat(c.rejections()).extracting(Rejection::reason).containsExactly(
        DocumentReason.MALFORMED_JSON, DocumentReason.MALFORMED_JSON, DocumentReason.MISSING_FIELD, DocumentReason.MALFORMED_ID,
        DocumentReason.MALFORMED_ID, DocumentReason.MALFORMED_ID, DocumentReason.ABSURD_TIME, DocumentReason.MISSING_FIELD);
    assertThat(ledger.rejected()).isEqualTo(8);
    assertThat(c.rejections().get(3).message()).contains("'zzzz222222222222'");
  }

  @Test
  void convert_documentPast64KiBFromTheDaemonPort_isRejectedOversized() {
    String big = segment("1111111111111111", "\"metadata\":{\"default\":{\"blob\":\"" + "x".repeat(70_000) + "\"}}");
    List<SegmentDocument> docs = List.of(new SegmentDocument("", big), new SegmentDocument("", segment("2222222222222222", "")));
    Conversion c = converter.convertDetailed(new XRayDocuments(TRACE, docs, Half.XRAY_DAEMON, false));
    assertThat(c.rejections()).extracting(Rejection::reason).containsExactly(DocumentReason.OVERSIZED);
    assertThat(c.rejections().get(0).message()).contains("the limit is 65536", "UDP datagram");
    assertThat(c.trace().spans()).hasSize(1);
  }

  @Test
  void convert_deeplyNestedSubsegments_isRejectedTooDeep() {
    StringBuilder sub = new StringBuilder("{\"id\":\"aaaaaaaaaaaaaaaa\",\"name\":\"leaf\",\"start_time\":1795000000.6,\"end_time\":1795000000.7}");
    for (int i = 0; i < 40; i++) {
      sub = new StringBuilder("{\"id\":\"" + IdCodec.toHex64(i + 1) + "\",\"name\":\"n\",\"start_time\":1795000000.6,\"end_time\":1795000000.7,\"subsegments\":[" + sub + "]}");
    }
    Conversion c = convert(segment("1111111111111111", "\"subsegments\":[" + sub + "]"), segment("2222222222222222", ""));
    assertThat(c.rejections()).extracting(Rejection::reason).containsExactly(DocumentReason.TOO_DEEP);
    assertThat(c.trace().spans()).hasSize(1);
  }

  @Test
  void convert_badNestedSubsegment_dropsOnlyItsSubtree() {
    String subs = "\"subsegments\":["
        + "{\"id\":\"abcdefgh12345678\",\"name\":\"bad\",\"start_time\":1795000000.6,\"end_time\":1795000000.7,"
        + "\"subsegments\":[{\"id\":\"cccccccccccccccc\",\"name\":\"under-bad\",\"start_time\":1795000000.6,\"end_time\":1795000000.7}]},"
        + "{\"id\":\"bbbbbbbbbbbbbbbb\",\"name\":\"good\",\"start_time\":1795000000.6,\"end_time\":1795000000.7},"
        + "{\"id\":\"bbbbbbbbbbbbbbbb\",\"name\":\"dup\",\"start_time\":1795000000.6,\"end_time\":1795000000.7}]";
    Conversion c = convert(segment("1111111111111111", subs));
    assertThat(c.trace().spans()).extracting(Span::name).containsExactly("xray.segment", "good");
    assertThat(c.rejections()).extracting(Rejection::reason).containsExactly(DocumentReason.MALFORMED_ID, DocumentReason.DUPLICATE_ID);
  }

  @Test
  void convert_nestedSubsegmentWithATimeTooLargeForNanos_isDroppedAsAbsurdTime_likeATopLevelDocument() {
    String subs = "\"subsegments\":["
        + "{\"id\":\"aaaaaaaaaaaaaaaa\",\"name\":\"late\",\"start_time\":1795000000.6,\"end_time\":3099999999990},"
        + "{\"id\":\"bbbbbbbbbbbbbbbb\",\"name\":\"good\",\"start_time\":1795000000.6,\"end_time\":1795000000.7}]";
    Conversion c = convert(segment("1111111111111111", subs), segment("2222222222222222", "").replace("1795000001.25", "3099999999990"));
    assertThat(c.trace().spans()).extracting(Span::name).containsExactly("xray.segment", "good");
    assertThat(c.rejections()).extracting(Rejection::segmentId, Rejection::reason).containsExactly(
        tuple("2222222222222222", DocumentReason.ABSURD_TIME),
        tuple("aaaaaaaaaaaaaaaa", DocumentReason.ABSURD_TIME));
  }

  @Test
  void convert_duplicateDocuments_completeBeatsInProgress() {
    String inProgress = segment("1111111111111111", "\"in_progress\":true").replace(",\"end_time\":1795000001.25", "");
    Conversion c = convert(inProgress, segment("1111111111111111", "\"user\":\"final\""));
    assertThat(c.trace().spans()).singleElement().satisfies(s -> assertThat(s.meta()).containsEntry("usr.id", "final"));
    assertThat(c.rejections()).extracting(Rejection::reason).containsExactly(DocumentReason.DUPLICATE_ID);
  }

  @Test
  void convert_recentInProgressSegment_isHeld_oldOneIsEmittedAndTagged() {
    long recent = NOW.getEpochSecond() - 60;
    String held = "{\"trace_id\":\"" + TRACE + "\",\"id\":\"1111111111111111\",\"name\":\"svc\",\"start_time\":" + recent + ",\"in_progress\":true}";
    String old = "{\"trace_id\":\"" + TRACE + "\",\"id\":\"2222222222222222\",\"name\":\"svc\",\"start_time\":1795000000,\"in_progress\":true,"
        + "\"subsegments\":[{\"id\":\"3333333333333333\",\"name\":\"child\",\"start_time\":1795000001,\"end_time\":1795000004}]}";
    Conversion c = convert(held, old);
    assertThat(c.trace().heldSegmentIds()).containsExactly("1111111111111111");
    Span s = span(c, "2222222222222222");
    assertThat(s.durationNanos()).isEqualTo(4_000_000_000L);
    assertThat(s.meta()).containsEntry("aws.xray.in_progress", "true");
    assertThat(c.trace().emittedSegmentIds()).containsExactly("2222222222222222");
  }

  @Test
  void convert_timesBefore2000_areRepairedAsTheAgentDoes() {
    Conversion c = convert(segment("1111111111111111", "").replace("1795000000.5", "100").replace("1795000001.25", "400"));
    Span s = span(c, "1111111111111111");
    assertThat(s.durationNanos()).isEqualTo(300_000_000_000L);
    assertThat(s.startNanos()).isEqualTo(NOW.getEpochSecond() * 1_000_000_000L - 300_000_000_000L);
    assertThat(s.meta()).containsEntry("aws.xray.original_start_time", "100");
    assertThat(c.repairs()).contains("absurd_start");
  }

  @Test
  void convert_endBeforeStart_durationZeroAndCounted() {
    Conversion c = convert(segment("1111111111111111", "").replace("1795000001.25", "1794999999"));
    assertThat(span(c, "1111111111111111").durationNanos()).isZero();
    assertThat(c.repairs()).contains("negative_duration");
  }

  @Test
  void convert_controlAndNonAsciiCharactersInNames_areRepaired() {
    Conversion c = convert(segment("1111111111111111", "").replace("\"name\":\"svc\"", "\"name\":\"Caf\u00e9 \\u0007svc\""));
    Span s = span(c, "1111111111111111");
    assertThat(s.service()).isEqualTo("café_svc");
    assertThat(s.meta()).containsEntry("aws.xray.name", "Café _svc");
    assertThat(c.repairs()).contains("control_characters");
  }

  @Test
  void convert_causeReferringToAnotherDocument_isResolved() {
    String withException = segment("1111111111111111",
        "\"fault\":true,\"cause\":{\"exceptions\":[{\"id\":\"e1e1e1e1e1e1e1e1\",\"type\":\"java.lang.IllegalStateException\","
            + "\"message\":\"boom\",\"stack\":[{\"label\":\"Foo.bar\",\"path\":\"Foo.java\",\"line\":42},{\"label\":\"Foo.main\",\"path\":\"Foo.java\"}]}]}");
    String referring = segment("2222222222222222", "\"parent_id\":\"1111111111111111\",\"fault\":true,\"cause\":\"e1e1e1e1e1e1e1e1\"");
    Conversion c = convert(referring, withException);
    Span s = span(c, "2222222222222222");
    assertThat(s.error()).isEqualTo(1);
    assertThat(s.meta())
        .containsEntry("error.type", "java.lang.IllegalStateException")
        .containsEntry("error.message", "boom")
        .containsEntry("error.stack", "java.lang.IllegalStateException: boom\n\tat Foo.bar(Foo.java:42)\n\tat Foo.main(Foo.java)")
        .containsEntry("aws.xray.cause_id", "e1e1e1e1e1e1e1e1");
  }

  @Test
  void convert_serverSideErrorAlone_isNotADatadogError_clientSideIs() {
    String subs = "\"subsegments\":[{\"id\":\"bbbbbbbbbbbbbbbb\",\"name\":\"api\",\"namespace\":\"remote\",\"error\":true,"
        + "\"start_time\":1795000000.6,\"end_time\":1795000000.7}]";
    Conversion c = convert(segment("1111111111111111", "\"error\":true," + subs));
    assertThat(span(c, "1111111111111111").error()).isZero();
    assertThat(span(c, "1111111111111111").meta()).containsEntry("aws.xray.error", "true");
    assertThat(span(c, "bbbbbbbbbbbbbbbb").error()).isEqualTo(1);
  }

  @Test
  void convert_datadogMetadataSubsegment_isCapturedNotEmitted() {
    String dd = "{\"trace_id\":\"" + TRACE + "\",\"id\":\"dddddddddddddddd\",\"parent_id\":\"1111111111111111\",\"type\":\"subsegment\","
        + "\"name\":\"datadog-metadata\",\"start_time\":1795000000.6,\"end_time\":1795000000.6,"
        + "\"metadata\":{\"datadog\":{\"trace\":{\"trace-id\":\"8650302758252615140\",\"parent-id\":\"3267928873629650664\","
        + "\"sampling-priority\":\"1\"},\"lambda_function_tags\":{\"function_trigger.event_source\":\"api-gateway\"}}}}";
    Conversion c = convert(segment("1111111111111111", "\"origin\":\"AWS::Lambda::Function\""), dd);
    assertThat(c.trace().spans()).hasSize(1);
    assertThat(c.trace().datadog().traceId()).isEqualTo(8650302758252615140L);
    assertThat(c.trace().datadog().parentId()).isEqualTo(3267928873629650664L);
    assertThat(c.trace().datadog().samplingPriority()).isEqualTo(1);
    assertThat(c.trace().datadog().functionSpanId()).isEqualTo(0x1111111111111111L);
    assertThat(c.trace().datadog().functionTags()).containsEntry("function_trigger.event_source", "api-gateway");
  }

  @Test
  void convert_envAnnotationWins_thenRules_thenDefault() {
    assertThat(convert(segment("1111111111111111", "\"annotations\":{\"env\":\"Prod\"}")).trace().env()).isEqualTo("prod");
    SegmentConverter ruled = new SegmentConverter(
        new ConvertOptions(false, Map.of(), "env", Map.of("svc", "staging"), "dev", Duration.ofMinutes(10)),
        Ledger.NONE, Clock.fixed(NOW, ZoneOffset.UTC));
    ConvertedTrace t = ruled.convert(new XRayDocuments(TRACE, List.of(new SegmentDocument("", segment("1111111111111111", ""))), Half.XRAY_POLL, false));
    assertThat(t.env()).isEqualTo("staging");
    assertThat(t.spans().get(0).meta()).containsEntry("env", "staging");
    SegmentConverter fallback = new SegmentConverter(
        new ConvertOptions(false, Map.of(), "env", Map.of(), "dev", Duration.ofMinutes(10)), Ledger.NONE, Clock.fixed(NOW, ZoneOffset.UTC));
    assertThat(fallback.convert(new XRayDocuments(TRACE, List.of(new SegmentDocument("", segment("1111111111111111", ""))), Half.XRAY_POLL, false)).env())
        .isEqualTo("dev");
  }

  @Test
  void convert_reservedAnnotationKeys_moveUnderAwsXrayAnnotation() {
    Conversion c = convert(segment("1111111111111111", "\"annotations\":{\"service\":\"x\",\"http.method\":\"y\",\"count\":3,\"ok\":true}"));
    Span s = span(c, "1111111111111111");
    assertThat(s.meta()).containsEntry("aws.xray.annotation.service", "x").containsEntry("http.method", "y").containsEntry("ok", "true");
    assertThat(s.metrics()).containsEntry("count", 3.0);
    assertThat(s.service()).isEqualTo("svc");
  }

  @Test
  void convert_inferredSegmentSkipped_nameBecomesPeerService() {
    String caller = segment("1111111111111111", "\"subsegments\":[{\"id\":\"bbbbbbbbbbbbbbbb\",\"name\":\"DynamoDB\",\"namespace\":\"aws\","
        + "\"start_time\":1795000000.6,\"end_time\":1795000000.7,\"aws\":{\"operation\":\"GetItem\"}}]");
    String inferred = "{\"trace_id\":\"" + TRACE + "\",\"id\":\"cccccccccccccccc\",\"parent_id\":\"bbbbbbbbbbbbbbbb\",\"name\":\"DynamoDB\","
        + "\"inferred\":true,\"origin\":\"AWS::DynamoDB::Table\",\"start_time\":1795000000.6,\"end_time\":1795000000.7}";
    Conversion c = convert(caller, inferred);
    assertThat(c.trace().spans()).extracting(s -> IdCodec.toHex64(s.spanId())).containsExactly("1111111111111111", "bbbbbbbbbbbbbbbb");
    assertThat(span(c, "bbbbbbbbbbbbbbbb").meta()).containsEntry("peer.service", "DynamoDB");
    assertThat(span(c, "bbbbbbbbbbbbbbbb").resource()).isEqualTo("DynamoDB.GetItem");
    assertThat(c.trace().emittedSegmentIds()).contains("cccccccccccccccc");
  }

  @Test
  void convert_independentSubsegment_takesItsParentSegmentsService() {
    String sub = "{\"trace_id\":\"" + TRACE + "\",\"id\":\"bbbbbbbbbbbbbbbb\",\"parent_id\":\"1111111111111111\",\"type\":\"subsegment\","
        + "\"name\":\"chunk\",\"start_time\":1795000000.6,\"end_time\":1795000000.7}";
    Conversion c = convert(sub, segment("1111111111111111", "").replace("\"svc\"", "\"Batch Importer\""));
    assertThat(span(c, "bbbbbbbbbbbbbbbb").service()).isEqualTo("batch_importer");
    assertThat(span(c, "bbbbbbbbbbbbbbbb").parentId()).isEqualTo(0x1111111111111111L);
    Conversion alone = convert(sub);
    assertThat(span(alone, "bbbbbbbbbbbbbbbb").service()).isEqualTo("chunk");
  }

  @Test
  void convert_serviceMapping_renamesServices() {
    SegmentConverter mapped = new SegmentConverter(
        new ConvertOptions(false, Map.of("svc", "Checkout API"), "env", Map.of(), "none", Duration.ofMinutes(10)),
        Ledger.NONE, Clock.fixed(NOW, ZoneOffset.UTC));
    ConvertedTrace t = mapped.convert(new XRayDocuments(TRACE, List.of(new SegmentDocument("", segment("1111111111111111", ""))), Half.XRAY_POLL, false));
    assertThat(t.spans().get(0).service()).isEqualTo("checkout_api");
  }

  @Test
  void convert_longMetadata_isCutAndCounted() {
    Conversion c = convert(segment("1111111111111111", "\"metadata\":{\"default\":{\"blob\":\"" + "x".repeat(30_000) + "\"}}"));
    assertThat(span(c, "1111111111111111").meta().get("aws.xray.metadata.default")).hasSize(25_000);
    assertThat(c.repairs()).contains("metadata_truncated");
  }

  /** §5: http.status_code is integer text, however the number was written. */
  @Test
  void convert_httpStatusWrittenAsADecimal_isIntegerText() {
    for (String written : new String[] {"200.0", "2e2", "\"404.00\"", "200"}) {
      Conversion c = convert(segment("1111111111111111",
          "\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://h/p\"},\"response\":{\"status\":" + written + "}}"));
      String expected = written.contains("404") ? "404" : "200";
      assertThat(span(c, "1111111111111111").meta()).as(written).containsEntry("http.status_code", expected);
    }
    Conversion huge = convert(segment("1111111111111111",
        "\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://h/p\"},\"response\":{\"status\":1e300000000}}"));
    assertThat(span(huge, "1111111111111111").meta()).as("no status that large: kept as written, never expanded")
        .containsEntry("http.status_code", "1e300000000");
  }

  @Test
  void convert_numbersAsStringsAndExponents_areRead() {
    Conversion c = convert(segment("1111111111111111",
        "\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://h/p?q=1\"},\"response\":{\"status\":\"200\",\"content_length\":\"861\"}}")
        .replace("1795000000.5", "\"1.7950000005E9\""));
    Span s = span(c, "1111111111111111");
    assertThat(s.startNanos()).isEqualTo(1795000000500000000L);
    assertThat(s.metrics()).containsEntry("http.response.content_length", 861.0);
    assertThat(s.meta()).containsEntry("http.status_code", "200");
    assertThat(s.resource()).isEqualTo("GET /p");
  }
}
