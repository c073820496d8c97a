package org.xraybridge.convert.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.xraybridge.convert.Conversion;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.Rejection;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.testing.Corpus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every {@code aws/spans} read of the test corpus ({@code corpus/aws-spans/*.ndjson}) converted and
 * compared, field by field, with the result written by hand from docs/conversion.md §8
 * ({@code golden/aws-spans/*.expected.json}, §8.7). New corpus files are picked up without code
 * changes; one without a golden file fails.
 */
class AwsSpansGoldenTest {

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Path GOLDEN = Path.of("src/test/resources/golden/aws-spans");

  @TestFactory
  Stream<DynamicTest> everyAwsSpansRead_convertsToItsGoldenSpans() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    try (Stream<Path> files = Files.list(Corpus.file("aws-spans"))) {
      files.filter(f -> f.toString().endsWith(".ndjson")).sorted().forEach(f -> {
        String name = f.getFileName().toString().replaceAll("\\.ndjson$", "");
        Path golden = Corpus.project().resolve(GOLDEN).resolve(name + ".expected.json");
        tests.add(DynamicTest.dynamicTest("aws-spans/" + name, () -> check(name, f, golden)));
      });
    }
    assertThat(tests).hasSizeGreaterThanOrEqualTo(11);
    return tests.stream();
  }

  /** The messages of a corpus file, named {@code event-<n>} by their 1-based position (§8.7). */
  static List<SegmentDocument> messages(Path file) throws IOException {
    List<SegmentDocument> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank() || line.startsWith("//")) continue;
      out.add(new SegmentDocument("event-" + (out.size() + 1), line));
    }
    return out;
  }

  private static void check(String name, Path file, Path golden) throws IOException {
    if (!Files.exists(golden)) fail(name + ": no golden file at " + golden + " — write it from docs/conversion.md §8");
    JsonNode expected = JSON.readTree(Files.readString(golden));
    Instant clock = Instant.parse(expected.path("clock").asString("2026-12-01T00:00:00Z"));
    SpanRecordConverter converter =
        new SpanRecordConverter(ConvertOptions.DEFAULTS, Ledger.NONE, Clock.fixed(clock, ZoneOffset.UTC));
    SpanRecordConverter.Batch batch = converter.convertEvents(messages(file), Half.XRAY_LOGS, Set.of());
    compare(name, expected, batch);
  }

  static void compare(String name, JsonNode expected, SpanRecordConverter.Batch batch) {
    List<String> problems = new ArrayList<>();
    Map<Long, Span> spans = new LinkedHashMap<>();
    List<String> rejected = new ArrayList<>();
    List<String> repairs = new ArrayList<>();
    for (Rejection r : batch.unattributed()) rejected.add(r.reason().tag() + "|" + r.segmentId());
    List<JsonNode> wantTraces = new ArrayList<>();
    expected.path("traces").forEach(wantTraces::add);
    check(problems, "number of traces", wantTraces.size(), batch.traces().size());
    for (int i = 0; i < batch.traces().size(); i++) {
      Conversion c = batch.traces().get(i);
      ConvertedTrace t = c.trace();
      check(problems, "trace " + i + ".half", Half.XRAY_LOGS, t.half());
      if (i < wantTraces.size()) {
        JsonNode w = wantTraces.get(i);
        String where = "trace " + i;
        check(problems, where + ".xray_trace_id", w.path("xray_trace_id").asString(""), t.xrayTraceId());
        check(problems, where + ".trace_id", Long.toUnsignedString(u64(w.path("trace_id"))), Long.toUnsignedString(t.traceId()));
        check(problems, where + ".env", w.path("env").asString(""), t.env());
        check(problems, where + ".emitted", texts(w.path("emitted")), new TreeSet<>(t.emittedSegmentIds()));
        check(problems, where + ".held", texts(w.path("held")), new TreeSet<>(t.heldSegmentIds()));
        check(problems, where + ".datadog", false, t.datadog().present());
      }
      for (Span s : t.spans()) {
        if (spans.put(s.spanId(), s) != null) problems.add("span id emitted twice: " + Long.toUnsignedString(s.spanId()));
      }
      for (Rejection r : c.rejections()) rejected.add(r.reason().tag() + "|" + r.segmentId());
      repairs.addAll(c.repairs());
    }

    Map<Long, JsonNode> want = new LinkedHashMap<>();
    for (JsonNode s : expected.path("spans")) want.put(u64(s.path("span_id")), s);
    for (Long id : want.keySet()) {
      if (!spans.containsKey(id)) problems.add("missing span " + Long.toUnsignedString(id) + " (" + want.get(id).path("name").asString("") + ")");
    }
    for (Long id : spans.keySet()) {
      if (!want.containsKey(id)) problems.add("unexpected span " + Long.toUnsignedString(id) + " (" + spans.get(id).name() + ")");
    }
    for (Map.Entry<Long, JsonNode> e : want.entrySet()) {
      Span got = spans.get(e.getKey());
      if (got != null) compareSpan("span " + Long.toUnsignedString(e.getKey()), e.getValue(), got, problems);
    }
    List<String> wantRejected = new ArrayList<>();
    for (JsonNode r : expected.path("rejected")) wantRejected.add(r.path("reason").asString("") + "|" + r.path("segment_id").asString(""));
    check(problems, "rejected", sorted(wantRejected), sorted(rejected));
    List<String> wantRepairs = new ArrayList<>();
    for (JsonNode r : expected.path("repairs")) wantRepairs.add(r.asString(""));
    check(problems, "repairs", sorted(wantRepairs), sorted(repairs));
    if (!problems.isEmpty()) fail(name + ": " + problems.size() + " difference(s)\n  " + String.join("\n  ", problems));
  }

  private static void compareSpan(String where, JsonNode want, Span got, List<String> problems) {
    check(problems, where + ".service", want.path("service").asString(""), got.service());
    check(problems, where + ".name", want.path("name").asString(""), got.name());
    check(problems, where + ".resource", want.path("resource").asString(""), got.resource());
    check(problems, where + ".type", want.path("type").asString(""), got.type());
    check(problems, where + ".trace_id", Long.toUnsignedString(u64(want.path("trace_id"))), Long.toUnsignedString(got.traceId()));
    check(problems, where + ".parent_id", Long.toUnsignedString(u64(want.path("parent_id"))), Long.toUnsignedString(got.parentId()));
    check(problems, where + ".start", want.path("start").asLong(), got.startNanos());
    check(problems, where + ".duration", want.path("duration").asLong(), got.durationNanos());
    check(problems, where + ".error", want.path("error").asInt(), got.error());
    Map<String, String> meta = new TreeMap<>();
    want.path("meta").properties().forEach(p -> meta.put(p.getKey(), p.getValue().asString()));
    for (String k : meta.keySet()) {
      if (!got.meta().containsKey(k)) problems.add(where + ".meta." + k + ": missing (expected '" + meta.get(k) + "')");
      else check(problems, where + ".meta." + k, meta.get(k), got.meta().get(k));
    }
    for (String k : new TreeSet<>(got.meta().keySet())) {
      if (!meta.containsKey(k)) problems.add(where + ".meta." + k + ": unexpected ('" + got.meta().get(k) + "')");
    }
    Map<String, Double> metrics = new TreeMap<>();
    want.path("metrics").properties().forEach(p -> metrics.put(p.getKey(), p.getValue().asDouble()));
    for (String k : metrics.keySet()) {
      if (!got.metrics().containsKey(k)) problems.add(where + ".metrics." + k + ": missing (expected " + metrics.get(k) + ")");
      else check(problems, where + ".metrics." + k, metrics.get(k), got.metrics().get(k));
    }
    for (String k : new TreeSet<>(got.metrics().keySet())) {
      if (!metrics.containsKey(k)) problems.add(where + ".metrics." + k + ": unexpected (" + got.metrics().get(k) + ")");
    }
    List<String> wantLinks = new ArrayList<>();
    for (JsonNode l : want.path("span_links")) {
      Map<String, String> attrs = new TreeMap<>();
      l.path("attributes").properties().forEach(p -> attrs.put(p.getKey(), p.getValue().asString()));
      wantLinks.add(Long.toUnsignedString(u64(l.path("trace_id"))) + "/" + Long.toUnsignedString(u64(l.path("span_id")))
          + "/" + l.path("tracestate").asString("") + attrs);
    }
    List<String> gotLinks = new ArrayList<>();
    for (SpanLink l : got.spanLinks()) {
      gotLinks.add(Long.toUnsignedString(l.traceId()) + "/" + Long.toUnsignedString(l.spanId()) + "/" + l.tracestate()
          + new TreeMap<>(l.attributes()));
    }
    check(problems, where + ".span_links", wantLinks, gotLinks);
  }

  private static TreeSet<String> texts(JsonNode array) {
    TreeSet<String> out = new TreeSet<>();
    for (JsonNode n : array) out.add(n.asString(""));
    return out;
  }

  private static void check(List<String> problems, String field, Object want, Object got) {
    if (!Objects.equals(want, got)) problems.add(field + ": expected " + show(want) + " but got " + show(got));
  }

  private static String show(Object o) {
    return o instanceof String s ? "'" + s + "'" : String.valueOf(o);
  }

  private static List<String> sorted(List<String> l) {
    List<String> c = new ArrayList<>(l);
    Collections.sort(c);
    return c;
  }

  /** An unsigned 64-bit JSON number (also above 2^63) as the long with the same bits. */
  static long u64(JsonNode n) {
    if (n.isMissingNode() || n.isNull()) return 0;
    if (n.isString()) return Long.parseUnsignedLong(n.asString());
    BigInteger b = n.bigIntegerValue();
    return b.longValue();
  }
}
