package org.xraybridge.convert.otel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.Conversion;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.json.SpanRecordParser;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.TestLedger;

/** docs/conversion.md §8: bad records are counted by reason and spoil nothing beside them; options apply. */
class SpanRecordConverterTest {

  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  static final long NOW_NS = 1_796_083_200_000_000_000L;
  static final String TRACE = "6b0e0dc4aaaaaaaaaaaaaaaa00000001";
  static final String XRAY = "1-6b0e0dc4-aaaaaaaaaaaaaaaa00000001";

  final TestLedger ledger = new TestLedger();
  final SpanRecordConverter converter = converter(ConvertOptions.DEFAULTS);

  SpanRecordConverter converter(ConvertOptions options) {
    return new SpanRecordConverter(options, ledger, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  static String record(String spanId, String extra) {
    return "{\"traceId\":\"" + TRACE + "\",\"spanId\":\"" + spanId + "\",\"name\":\"op " + spanId + "\",\"kind\":\"SERVER\","
        + "\"startTimeUnixNano\":" + (NOW_NS - 60_000_000_000L) + ",\"endTimeUnixNano\":" + (NOW_NS - 59_000_000_000L)
        + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  static XRayDocuments trace(String... messages) {
    List<SegmentDocument> docs = new ArrayList<>();
    for (int i = 0; i < messages.length; i++) docs.add(new SegmentDocument("event-" + (i + 1), messages[i]));
    return new XRayDocuments(TRACE, docs, Half.XRAY_LOGS, false);
  }

  /**
   * The span events' JSON (meta {@code events}) stays JSON whatever an event's time says: a time that
   * is no number of nanoseconds a long holds ({@code "1-2"}, {@code 1e99}) is left out, a good one kept.
   */
  @Test
  void eventTimes_thatAreNoNanosecondCount_leaveTheEventsJsonValid() throws Exception {
    Conversion c = converter.convertDetailed(trace(record("00000000000000b1",
        "\"events\":[{\"name\":\"a\",\"timeUnixNano\":\"1-2\"},{\"name\":\"b\",\"timeUnixNano\":\"1e99\"},"
            + "{\"name\":\"c\",\"timeUnixNano\":\"1796083140000000000\"}]")));

    String events = c.trace().spans().get(0).meta().get("events");
    tools.jackson.databind.JsonNode parsed = tools.jackson.databind.json.JsonMapper.builder().build().readTree(events);
    assertThat(parsed).hasSize(3);
    assertThat(parsed.get(0).has("time_unix_nano")).isFalse();
    assertThat(parsed.get(1).has("time_unix_nano")).isFalse();
    assertThat(parsed.get(2).get("time_unix_nano").asLong()).isEqualTo(1796083140000000000L);
  }

  @Test
  void badRecords_areCountedByReason_andTheirNeighboursConvertUnchanged() {
    String good1 = record("00000000000000a1", "");
    String good2 = record("00000000000000a2", "\"parentSpanId\":\"00000000000000a1\"");
    ConvertedTrace alone = converter(ConvertOptions.DEFAULTS).convert(trace(good1, good2));

    Conversion c = converter.convertDetailed(trace(
        good1,
        "{\"traceId\":\"" + TRACE + "\",\"spanId\":",                                    // malformed JSON
        "{\"traceId\":\"" + TRACE + "\",\"name\":\"x\",\"startTimeUnixNano\":1}",         // no spanId
        record("00000000000000a3", "").replace(TRACE, TRACE.substring(1)),                // short trace id
        record("not-hex-at-all!!", ""),                                                   // bad span id
        record("0000000000000000", ""),                                                   // all-zero span id
        record("00000000000000a4", "\"parentSpanId\":\"zz\""),                            // bad parent
        record("00000000000000a5", "").replace(TRACE, "6b0e0dc4bbbbbbbbbbbbbbbb00000002"), // another trace
        record("00000000000000a6", "").replace("" + (NOW_NS - 60_000_000_000L), "" + (NOW_NS + 90_000_000_000_000L)), // future
        record("00000000000000a7", "").replace("" + (NOW_NS - 60_000_000_000L), "123456789012345678901234"),      // too large
        record("00000000000000a8", "").replace("" + (NOW_NS - 60_000_000_000L), "\"12:00\""),                      // not a number
        "x".repeat(SpanRecordParser.MAX_EVENT_BYTES + 1),                                 // oversized
        good2));

    assertThat(c.trace().spans()).usingRecursiveFieldByFieldElementComparator().isEqualTo(alone.spans());
    assertThat(c.trace().emittedSegmentIds()).containsExactlyInAnyOrder("00000000000000a1", "00000000000000a2");
    assertThat(c.rejections()).extracting(r -> r.reason().tag() + "|" + r.segmentId()).containsExactlyInAnyOrder(
        "malformed_json|event-2",
        "missing_field|event-3",
        "malformed_id|00000000000000a3",
        "malformed_id|not-hex-at-all!!",
        "malformed_id|0000000000000000",
        "malformed_id|00000000000000a4",
        "malformed_id|00000000000000a5",
        "absurd_time|00000000000000a6",
        "absurd_time|00000000000000a7",
        "missing_field|00000000000000a8",
        "oversized|event-12");
    assertThat(c.trace().rejectedSegmentIds()).contains("event-2", "00000000000000a5", "event-12");
    assertThat(ledger.rejected(Half.XRAY_LOGS, DocumentReason.MALFORMED_JSON)).isEqualTo(1);
    assertThat(ledger.rejected(Half.XRAY_LOGS, DocumentReason.MISSING_FIELD)).isEqualTo(2);
    assertThat(ledger.rejected(Half.XRAY_LOGS, DocumentReason.MALFORMED_ID)).isEqualTo(5);
    assertThat(ledger.rejected(Half.XRAY_LOGS, DocumentReason.ABSURD_TIME)).isEqualTo(2);
    assertThat(ledger.rejected(Half.XRAY_LOGS, DocumentReason.OVERSIZED)).isEqualTo(1);
    assertThat(ledger.rejected()).isEqualTo(11);
    assertThat(ledger.rejected(Half.XRAY_POLL, DocumentReason.MALFORMED_ID)).isZero();
  }

  @Test
  void convertEvents_groupsByTrace_andCountsTheEventsNoTraceClaims() {
    SpanRecordConverter.Batch b = converter.convertEvents(List.of(
            new SegmentDocument("e1", record("00000000000000a1", "")),
            new SegmentDocument("e2", record("00000000000000b1", "").replace(TRACE, "6b0e0dc4bbbbbbbbbbbbbbbb00000002")),
            new SegmentDocument("e3", "{oops"),
            new SegmentDocument("e4", record("00000000000000a2", "")),
            new SegmentDocument("e5", record("00000000000000c1", "").replace(TRACE, "6b0e0dc4000000000000000000000000")),
            new SegmentDocument("e6", "{\"spanId\":\"00000000000000d1\"}")),
        Half.XRAY_LOGS, Set.of());
    assertThat(b.traces()).extracting(c -> c.trace().xrayTraceId())
        .containsExactly(XRAY, "1-6b0e0dc4-bbbbbbbbbbbbbbbb00000002");
    assertThat(b.traces().get(0).trace().spans()).extracting(Span::name).containsExactly("server.request", "server.request");
    assertThat(b.traces().get(0).trace().emittedSegmentIds()).containsExactlyInAnyOrder("00000000000000a1", "00000000000000a2");
    assertThat(b.unattributed()).extracting(r -> r.reason().tag() + "|" + r.segmentId())
        .containsExactly("malformed_json|e3", "malformed_id|00000000000000c1", "missing_field|00000000000000d1");
    assertThat(ledger.rejected(Half.XRAY_LOGS, DocumentReason.MALFORMED_JSON)).isEqualTo(1);
    assertThat(ledger.rejected()).isEqualTo(3);
  }

  @Test
  void duplicateSpanId_theCompleteLaterRecordWins_theOtherIsCounted() {
    String early = record("00000000000000a1", "");
    String later = early.replace("" + (NOW_NS - 59_000_000_000L), "" + (NOW_NS - 58_000_000_000L));
    String running = "{\"traceId\":\"" + TRACE + "\",\"spanId\":\"00000000000000a1\",\"name\":\"x\",\"startTimeUnixNano\":" + (NOW_NS - 60_000_000_000L) + "}";
    ConvertedTrace t = converter.convert(trace(running, early, later));
    assertThat(t.spans()).singleElement().satisfies(s -> assertThat(s.durationNanos()).isEqualTo(2_000_000_000L));
    assertThat(t.heldSegmentIds()).isEmpty();
    assertThat(ledger.rejected(Half.XRAY_LOGS, DocumentReason.DUPLICATE_ID)).isEqualTo(2);
  }

  @Test
  void times_repairsAreCounted_andInProgressIsHeldThenEmitted() {
    String running = "{\"traceId\":\"" + TRACE + "\",\"spanId\":\"00000000000000b1\",\"name\":\"x\",\"startTimeUnixNano\":" + (NOW_NS - 5_000_000_000L) + "}";
    String backwards = record("00000000000000d1", "").replace("\"endTimeUnixNano\":" + (NOW_NS - 59_000_000_000L), "\"endTimeUnixNano\":" + (NOW_NS - 61_000_000_000L));
    String old = record("00000000000000e1", "").replace("" + (NOW_NS - 60_000_000_000L), "5").replace("" + (NOW_NS - 59_000_000_000L), "7");
    String byDuration = "{\"traceId\":\"" + TRACE + "\",\"spanId\":\"00000000000000f1\",\"name\":\"x\",\"startTimeUnixNano\":" + (NOW_NS - 5_000_000_000L)
        + ",\"durationNano\":\"250\",\"endTimeUnixNano\":\"soon\"}";
    ConvertedTrace t = converter.convert(trace(running, backwards, old, byDuration));
    assertThat(t.heldSegmentIds()).containsExactly("00000000000000b1");
    assertThat(t.spans()).extracting(Span::spanId).containsExactly(0xd1L, 0xe1L, 0xf1L);
    assertThat(t.spans().get(0).durationNanos()).isZero();
    assertThat(t.spans().get(1).startNanos()).isEqualTo(NOW_NS - 2);
    assertThat(t.spans().get(1).meta()).containsEntry("aws.xray.original_start_time", "5");
    assertThat(t.spans().get(2).durationNanos()).isEqualTo(250);
    assertThat(ledger.repairs("negative_duration")).isEqualTo(1);
    assertThat(ledger.repairs("absurd_start")).isEqualTo(1);
    assertThat(ledger.repairs("wrong_type:endTimeUnixNano")).isEqualTo(1);

    // past the in-progress timeout the held record is emitted as it is
    SpanRecordConverter later = new SpanRecordConverter(ConvertOptions.DEFAULTS, ledger, Clock.fixed(NOW.plus(Duration.ofMinutes(11)), ZoneOffset.UTC));
    ConvertedTrace t2 = later.convert(trace(running));
    assertThat(t2.heldSegmentIds()).isEmpty();
    assertThat(t2.spans()).singleElement().satisfies(s -> {
      assertThat(s.durationNanos()).isZero();
      assertThat(s.meta()).containsEntry("aws.xray.in_progress", "true");
    });
    assertThat(ledger.repairs("in_progress_expired")).isEqualTo(1);
  }

  @Test
  void delivered_recordsAreContextOnly_butStillNameTheEnv() {
    String withEnv = record("00000000000000a1", "\"attributes\":{\"env\":\"QA\"}");
    String next = record("00000000000000a2", "\"parentSpanId\":\"00000000000000a1\"");
    String badLater = record("00000000000000a1", "\"parentSpanId\":\"nope\"");
    ConvertedTrace t = converter.convert(new XRayDocuments(XRAY, List.of(new SegmentDocument("", withEnv), new SegmentDocument("", next)),
        Half.XRAY_LOGS, false, Set.of("00000000000000a1")));
    assertThat(t.spans()).extracting(Span::spanId).containsExactly(0xa2L);
    assertThat(t.emittedSegmentIds()).containsExactly("00000000000000a2");
    assertThat(t.env()).isEqualTo("qa");
    assertThat(t.spans().get(0).meta()).containsEntry("env", "qa");
    // a context record judged bad before is not counted again
    converter.convert(new XRayDocuments(XRAY, List.of(new SegmentDocument("", badLater)), Half.XRAY_LOGS, false, Set.of("00000000000000a1")));
    assertThat(ledger.rejected()).isZero();
  }

  @Test
  void options_serviceMappingEnvRulesAndDefaultEnv_apply() {
    ConvertOptions options = new ConvertOptions(false, Map.of("orders-api", "orders"), "stage", Map.of("orders", "Prod"), "fallback",
        Duration.ofMinutes(10));
    SpanRecordConverter c = converter(options);
    String root = record("00000000000000a1", "\"resource\":{\"attributes\":{\"service.name\":\"Orders-API\"}},"
        + "\"attributes\":{\"aws.xray.metadata.default\":\"{\\\"long\\\":\\\"" + "0123456789".repeat(2_600) + "\\\"}\"}");
    ConvertedTrace t = c.convert(trace(root));
    Span s = t.spans().get(0);
    assertThat(s.service()).isEqualTo("orders");
    assertThat(t.env()).isEqualTo("prod");
    String metadata = s.meta("aws.xray.metadata.default");
    assertThat(metadata).hasSize(ConvertOptions.MAX_METADATA_CHARS).startsWith("{\"long\":\"0123456789");
    assertThat(ledger.repairs("metadata_truncated")).isEqualTo(1);

    // the configured annotation beats deployment.environment, which beats the rules
    String annotated = record("00000000000000a1", "\"resource\":{\"attributes\":{\"service.name\":\"orders-api\",\"deployment.environment.name\":\"dev\"}},"
        + "\"attributes\":{\"stage\":\"Canary 1\"}");
    assertThat(c.convert(trace(annotated)).env()).isEqualTo("canary_1");
    String deployed = record("00000000000000a1", "\"resource\":{\"attributes\":{\"service.name\":\"orders-api\",\"deployment.environment\":\"dev\"}}");
    assertThat(c.convert(trace(deployed)).env()).isEqualTo("dev");
    String unruled = record("00000000000000a1", "\"resource\":{\"attributes\":{\"service.name\":\"billing\"}}");
    assertThat(c.convert(trace(unruled)).env()).isEqualTo("fallback");
  }

  @Test
  void links_becomeSpanLinks_andABadOneIsARepair() {
    String linked = record("00000000000000a1", "\"links\":[{\"traceId\":\"6b0e0dc400000000000000000000abcd\",\"spanId\":\"00000000000000bb\","
        + "\"traceState\":\"dd=s:1\",\"attributes\":{\"kind\":\"follows\",\"n\":2}},{\"traceId\":\"short\",\"spanId\":\"00000000000000bb\"}]");
    Span s = converter.convert(trace(linked)).spans().get(0);
    assertThat(s.spanLinks()).singleElement().satisfies(l -> {
      assertThat(l.traceId()).isEqualTo(0xabcdL);
      assertThat(l.traceIdHigh()).isZero();
      assertThat(l.spanId()).isEqualTo(0xbbL);
      assertThat(l.tracestate()).isEqualTo("dd=s:1");
      assertThat(l.attributes()).containsExactlyInAnyOrderEntriesOf(Map.of("kind", "follows", "n", "2"));
    });
    assertThat(ledger.repairs("bad_link")).isEqualTo(1);
  }

  @Test
  void aTraceIdInXRayForm_isAccepted_andNamesTheSameTrace() {
    String w3c = record("00000000000000a1", "");
    String xrayForm = record("00000000000000a2", "").replace(TRACE, XRAY);
    ConvertedTrace t = converter.convert(trace(w3c, xrayForm));
    assertThat(t.spans()).hasSize(2);
    assertThat(t.xrayTraceId()).isEqualTo(XRAY);
    assertThat(ledger.rejected()).isZero();
  }

  @Test
  void nothingValid_givesAnEmptyTrace() {
    ConvertedTrace t = converter.convert(trace("{", "[]"));
    assertThat(t.spans()).isEmpty();
    assertThat(t.traceId()).isZero();
    assertThat(t.env()).isEmpty();
    assertThat(t.rejectedSegmentIds()).containsExactlyInAnyOrder("event-1", "event-2");
  }
}
