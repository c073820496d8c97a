package org.xraybridge.convert.otel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceKey;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.Cases;
import org.xraybridge.testing.TestLedger;

/**
 * Seeded properties of docs/conversion.md §8 over random traces of valid records: ids map exactly as
 * {@link IdCodec} maps the X-Ray form, every record gives one span, parents are kept (so each span's
 * parent is another span of the trace or lies outside it: a root of this half), durations are never
 * negative, and nothing valid is counted as rejected.
 */
class SpanRecordPropertiesTest {

  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  static final long NOW_NS = 1_796_083_200_000_000_000L;
  static final String[] KINDS = {"SERVER", "CLIENT", "INTERNAL", "PRODUCER", "CONSUMER", "SPAN_KIND_SERVER", "3", "", "odd"};

  record Rec(String spanId, String parentSpanId, long start, long end, String json) {}

  record Case(String traceId, List<Rec> records) {
    @Override
    public String toString() {
      return traceId + " × " + records.size();
    }
  }

  static String hex(SplittableRandom r, int digits, boolean upper) {
    StringBuilder b = new StringBuilder(digits);
    for (int i = 0; i < digits; i++) b.append(Character.forDigit(r.nextInt(16), 16));
    String s = b.toString();
    return upper ? s.toUpperCase(Locale.ROOT) : s;
  }

  static String nonZeroHex16(SplittableRandom r) {
    String s;
    do {
      s = hex(r, 16, false);
    } while (s.equals("0000000000000000"));
    return s;
  }

  static Case generate(SplittableRandom r) {
    String epoch = hex(r, 8, false);
    String unique;
    do {
      // a third of the traces carry a Datadog tracer's id: the unique part padded with 8 zeros
      unique = r.nextInt(3) == 0 ? "00000000" + hex(r, 16, false) : hex(r, 24, false);
    } while (unique.equals("0".repeat(24)));
    String traceId = epoch + unique;
    if (r.nextInt(5) == 0) traceId = traceId.toUpperCase(Locale.ROOT);
    int n = 1 + r.nextInt(20);
    List<Rec> recs = new ArrayList<>(n);
    Set<String> used = new HashSet<>();
    for (int i = 0; i < n; i++) {
      String id;
      do {
        id = nonZeroHex16(r);
      } while (!used.add(id));
      String parent = switch (r.nextInt(4)) {
        case 0 -> "";
        case 1 -> "0000000000000000";
        case 2 -> nonZeroHex16(r); // outside the trace's records: a tracer's span, say
        default -> i == 0 ? "" : recs.get(r.nextInt(i)).spanId();
      };
      long start = NOW_NS - r.nextLong(1, 30L * 86_400_000_000_000L);
      long end = r.nextInt(8) == 0 ? start - r.nextLong(1, 1_000_000) : start + r.nextLong(1, 60_000_000_000L);
      String kind = KINDS[r.nextInt(KINDS.length)];
      boolean strings = r.nextBoolean();
      String json = "{\"traceId\":\"" + traceId + "\",\"spanId\":\"" + (r.nextInt(6) == 0 ? id.toUpperCase(Locale.ROOT) : id) + "\""
          + (parent.isEmpty() && r.nextBoolean() ? "" : ",\"parentSpanId\":\"" + parent + "\"")
          + ",\"name\":\"span " + i + "\",\"kind\":\"" + kind + "\""
          + ",\"startTimeUnixNano\":" + (strings ? "\"" + start + "\"" : start)
          + ",\"endTimeUnixNano\":" + (strings ? "\"" + end + "\"" : end)
          + ",\"attributes\":{\"i\":" + i + ",\"s\":\"v" + i + "\"},\"status\":{\"code\":\"" + (r.nextBoolean() ? "ERROR" : "UNSET") + "\"}}";
      recs.add(new Rec(id, parent, start, end, json));
    }
    return new Case(traceId, recs);
  }

  @Test
  void validRecords_mapIdsLikeIdCodec_oneSpanEach_parentsKept_noNegativeDuration() {
    TestLedger ledger = new TestLedger();
    SpanRecordConverter converter = new SpanRecordConverter(ConvertOptions.DEFAULTS, ledger, Clock.fixed(NOW, ZoneOffset.UTC));
    Cases.forAll(0x5eed_a115_5aa5L, Cases.tries(300), SpanRecordPropertiesTest::generate, c -> {
      List<SegmentDocument> docs = new ArrayList<>();
      for (Rec rec : c.records()) docs.add(new SegmentDocument("", rec.json()));
      // half the cases go through the bulk entry, which groups by trace itself
      ConvertedTrace t = c.records().size() % 2 == 0
          ? converter.convert(new XRayDocuments(c.traceId(), docs, Half.XRAY_LOGS, false))
          : converter.convertEvents(docs, Half.XRAY_LOGS, Set.of()).traces().get(0).trace();

      String lower = c.traceId().toLowerCase(Locale.ROOT);
      String xray = "1-" + lower.substring(0, 8) + "-" + lower.substring(8);
      long expectedTrace = IdCodec.datadogTraceId(xray);
      assertThat(t.xrayTraceId()).isEqualTo(xray);
      assertThat(t.traceId()).isEqualTo(expectedTrace);
      assertThat(t.key()).isEqualTo(TraceKey.of(expectedTrace));
      if (IdCodec.isPadded(xray)) assertThat(expectedTrace).isEqualTo(Long.parseUnsignedLong(lower.substring(16), 16));
      assertThat(t.half()).isEqualTo(Half.XRAY_LOGS);

      assertThat(t.spans()).hasSameSizeAs(c.records());
      assertThat(t.emittedSegmentIds()).hasSameSizeAs(c.records());
      Map<Long, Span> byId = new HashMap<>();
      for (Span s : t.spans()) byId.put(s.spanId(), s);
      for (Rec rec : c.records()) {
        Span s = byId.get(IdCodec.parseHex64(rec.spanId(), "spanId"));
        assertThat(s).as("span of %s", rec.spanId()).isNotNull();
        assertThat(IdCodec.toHex64(s.spanId())).isEqualTo(rec.spanId());
        assertThat(t.emittedSegmentIds()).contains(rec.spanId());
        assertThat(s.traceId()).isEqualTo(expectedTrace);
        long parent = rec.parentSpanId().isEmpty() || rec.parentSpanId().equals("0000000000000000") ? 0 : IdCodec.parseHex64(rec.parentSpanId(), "parent");
        assertThat(s.parentId()).isEqualTo(parent);
        // a parent is another span of this half, or outside it (a root here, as the stitcher sees it)
        assertThat(s.parentId() == 0 || byId.containsKey(s.parentId()) || c.records().stream().noneMatch(x -> x.spanId().equals(IdCodec.toHex64(s.parentId()))))
            .isTrue();
        assertThat(s.durationNanos()).isGreaterThanOrEqualTo(0);
        assertThat(s.durationNanos()).isEqualTo(Math.max(0, rec.end() - rec.start()));
        assertThat(s.startNanos()).isEqualTo(rec.start());
        assertThat(s.meta()).containsEntry("aws.xray.trace_id", xray).containsEntry("otel.trace_id", lower).containsEntry("env", "none");
      }
      assertThat(ledger.rejected()).isZero();
    });
  }
}
