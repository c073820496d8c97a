package org.xraybridge.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.xraybridge.convert.json.ConvertInput;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.Corpus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every X-Ray document of the test corpus ({@code src/test/resources/corpus}) converted and compared,
 * field by field, with the expected spans written by hand from docs/conversion.md
 * ({@code src/test/resources/golden}).
 * New corpus files are picked up without code changes; one without a golden file fails.
 */
class GoldenCorpusTest {

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static final String FRAGMENT_PARENT_HEAD =
      "{\"name\":\"fragment-parent\",\"id\":\"00000000000000aa\",\"trace_id\":\"1-5f000000-000000000000000000000001\","
          + "\"start_time\":1595000000,\"end_time\":1595000100,\"subsegments\":[";

  @TestFactory
  Stream<DynamicTest> everyCorpusDocument_convertsToItsGoldenSpans() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    Path corpus = Corpus.root();
    for (String dir : List.of("segments", "invalid", "api")) {
      try (Stream<Path> files = Files.list(corpus.resolve("xray").resolve(dir))) {
        files.filter(f -> f.toString().endsWith(".json")).sorted().forEach(f -> {
          String rel = "xray/" + dir + "/" + f.getFileName();
          Path golden = GOLDEN.resolve(rel.replaceAll("\\.json$", ".expected.json"));
          tests.add(DynamicTest.dynamicTest(rel, () -> checkFile(rel, f, golden)));
        });
      }
    }
    try (Stream<Path> folders = Files.list(corpus.resolve("captured"))) {
      folders.filter(Files::isDirectory).sorted().forEach(folder -> {
        List<Path> docs = udpDocuments(folder);
        if (docs.isEmpty()) return;
        String rel = "captured/" + folder.getFileName();
        Path golden = GOLDEN.resolve(rel + ".expected.json");
        tests.add(DynamicTest.dynamicTest(rel, () -> checkFolder(rel, docs, golden)));
      });
    }
    assertThat(tests).hasSizeGreaterThan(60);
    return tests.stream();
  }

  private static List<Path> udpDocuments(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.getFileName().toString().matches("\\d+-udp-.*\\.json") && !f.toString().endsWith(".meta.json"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void checkFile(String rel, Path file, Path golden) throws IOException {
    JsonNode expected = readGolden(rel, golden);
    byte[] bytes = Files.readAllBytes(file);
    if (expected.path("wrap").asString("").equals("fragment")) {
      String doc = FRAGMENT_PARENT_HEAD + new String(bytes, StandardCharsets.UTF_8) + "]}";
      bytes = doc.getBytes(StandardCharsets.UTF_8);
    }
    ConvertInput.Result input = ConvertInput.read(bytes);
    Actual actual = new Actual();
    if (input instanceof ConvertInput.Traces t) {
      for (XRayDocuments d : t.traces()) actual.add(converter(expected).convertDetailed(d));
    } else if (input instanceof ConvertInput.NotASegment) {
      actual.rejected.add("not_a_segment|");
    } else {
      actual.rejected.add("malformed_json|");
    }
    compare(rel, expected, actual);
  }

  private void checkFolder(String rel, List<Path> docs, Path golden) throws IOException {
    JsonNode expected = readGolden(rel, golden);
    Map<String, List<SegmentDocument>> byTrace = new LinkedHashMap<>();
    for (Path p : docs) {
      String text = Files.readString(p);
      String traceId = JSON.readTree(text).path("trace_id").asString("");
      byTrace.computeIfAbsent(traceId, k -> new ArrayList<>()).add(new SegmentDocument("", text));
    }
    Actual actual = new Actual();
    for (Map.Entry<String, List<SegmentDocument>> e : byTrace.entrySet()) {
      actual.add(converter(expected).convertDetailed(new XRayDocuments(e.getKey(), e.getValue(), Half.XRAY_DAEMON, false)));
    }
    compare(rel, expected, actual);
  }

  private static JsonNode readGolden(String rel, Path golden) throws IOException {
    if (!Files.exists(golden)) {
      fail(rel + ": no golden file at " + golden + " — write it from docs/conversion.md");
    }
    return JSON.readTree(Files.readString(golden));
  }

  private static SegmentConverter converter(JsonNode expected) {
    Instant clock = Instant.parse(expected.path("clock").asString("2026-12-01T00:00:00Z"));
    ConvertOptions options = ConvertOptions.DEFAULTS;
    if (expected.path("options").path("inferred").asString("skip").equals("keep")) options = options.withKeepInferred(true);
    return new SegmentConverter(options, Ledger.NONE, Clock.fixed(clock, ZoneOffset.UTC));
  }

  /** Everything a golden file checks, gathered over the traces of one input. */
  private static final class Actual {
    final Map<Long, Span> spans = new LinkedHashMap<>();
    final List<String> duplicates = new ArrayList<>();
    final List<String> rejected = new ArrayList<>();
    final TreeSet<String> held = new TreeSet<>();
    org.xraybridge.model.DatadogContext datadog = org.xraybridge.model.DatadogContext.NONE;

    void add(Conversion c) {
      for (Span s : c.trace().spans()) {
        if (spans.put(s.spanId(), s) != null) duplicates.add(Long.toUnsignedString(s.spanId()));
      }
      for (Rejection r : c.rejections()) rejected.add(r.reason().tag() + "|" + r.segmentId());
      held.addAll(c.trace().heldSegmentIds());
      if (c.trace().datadog().present()) datadog = c.trace().datadog();
    }
  }

  private static void compare(String rel, JsonNode expected, Actual actual) {
    List<String> problems = new ArrayList<>();
    if (!actual.duplicates.isEmpty()) problems.add("span ids emitted twice: " + actual.duplicates);

    Map<Long, JsonNode> want = new LinkedHashMap<>();
    for (JsonNode s : expected.path("spans")) want.put(u64(s.path("span_id")), s);
    for (Long id : want.keySet()) {
      if (!actual.spans.containsKey(id)) problems.add("missing span " + Long.toUnsignedString(id) + " (" + want.get(id).path("name").asString("") + ")");
    }
    for (Long id : actual.spans.keySet()) {
      if (!want.containsKey(id)) problems.add("unexpected span " + Long.toUnsignedString(id) + " (" + actual.spans.get(id).name() + ")");
    }
    for (Map.Entry<Long, JsonNode> e : want.entrySet()) {
      Span got = actual.spans.get(e.getKey());
      if (got != null) compareSpan("span " + Long.toUnsignedString(e.getKey()), e.getValue(), got, problems);
    }

    List<String> wantRejected = new ArrayList<>();
    for (JsonNode r : expected.path("rejected")) wantRejected.add(r.path("reason").asString("") + "|" + r.path("segment_id").asString(""));
    if (!sorted(wantRejected).equals(sorted(actual.rejected))) {
      problems.add("rejected: expected " + sorted(wantRejected) + " but got " + sorted(actual.rejected));
    }
    TreeSet<String> wantHeld = new TreeSet<>();
    for (JsonNode h : expected.path("held")) wantHeld.add(h.asString(""));
    if (!wantHeld.equals(actual.held)) problems.add("held: expected " + wantHeld + " but got " + actual.held);

    JsonNode dd = expected.path("datadog");
    if (dd.isObject()) {
      check(problems, "datadog.trace_id", u64(dd.path("trace_id")), actual.datadog.traceId());
      check(problems, "datadog.parent_id", u64(dd.path("parent_id")), actual.datadog.parentId());
      check(problems, "datadog.sampling_priority", dd.path("sampling_priority").asInt(), actual.datadog.samplingPriority());
      Map<String, String> tags = new HashMap<>();
      dd.path("function_tags").properties().forEach(p -> tags.put(p.getKey(), p.getValue().asString()));
      check(problems, "datadog.function_tags", tags, actual.datadog.functionTags());
    } else if (actual.datadog.present()) {
      problems.add("datadog: expected none but got " + actual.datadog);
    }
    if (!problems.isEmpty()) fail(rel + ": " + problems.size() + " difference(s)\n  " + String.join("\n  ", problems));
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
    Map<String, String> meta = new java.util.TreeMap<>();
    want.path("meta").properties().forEach(p -> meta.put(p.getKey(), p.getValue().asString()));
    for (String k : meta.keySet()) {
      if (!got.meta().containsKey(k)) problems.add(where + ".meta." + k + ": missing (expected '" + meta.get(k) + "')");
      else check(problems, where + ".meta." + k, meta.get(k), got.meta().get(k));
    }
    for (String k : new java.util.TreeSet<>(got.meta().keySet())) {
      if (!meta.containsKey(k)) problems.add(where + ".meta." + k + ": unexpected ('" + got.meta().get(k) + "')");
    }
    Map<String, Double> metrics = new java.util.TreeMap<>();
    want.path("metrics").properties().forEach(p -> metrics.put(p.getKey(), p.getValue().asDouble()));
    for (String k : metrics.keySet()) {
      if (!got.metrics().containsKey(k)) problems.add(where + ".metrics." + k + ": missing (expected " + metrics.get(k) + ")");
      else check(problems, where + ".metrics." + k, metrics.get(k), got.metrics().get(k));
    }
    for (String k : new java.util.TreeSet<>(got.metrics().keySet())) {
      if (!metrics.containsKey(k)) problems.add(where + ".metrics." + k + ": unexpected (" + got.metrics().get(k) + ")");
    }
    List<String> wantLinks = new ArrayList<>();
    for (JsonNode l : want.path("span_links")) {
      Map<String, String> attrs = new java.util.TreeMap<>();
      l.path("attributes").properties().forEach(p -> attrs.put(p.getKey(), p.getValue().asString()));
      wantLinks.add(Long.toUnsignedString(u64(l.path("trace_id"))) + "/" + Long.toUnsignedString(u64(l.path("span_id"))) + attrs);
    }
    List<String> gotLinks = new ArrayList<>();
    for (SpanLink l : got.spanLinks()) {
      gotLinks.add(Long.toUnsignedString(l.traceId()) + "/" + Long.toUnsignedString(l.spanId()) + new java.util.TreeMap<>(l.attributes()));
    }
    check(problems, where + ".span_links", wantLinks, gotLinks);
  }

  private static void check(List<String> problems, String field, Object want, Object got) {
    if (!java.util.Objects.equals(want, got)) problems.add(field + ": expected " + show(want) + " but got " + show(got));
  }

  private static String show(Object o) {
    return o instanceof String s ? "'" + s + "'" : String.valueOf(o);
  }

  private static List<String> sorted(List<String> l) {
    List<String> c = new ArrayList<>(l);
    java.util.Collections.sort(c);
    return c;
  }

  /** An unsigned 64-bit JSON number (also above 2^63) as the long with the same bits. */
  private static long u64(JsonNode n) {
    if (n.isMissingNode() || n.isNull()) return 0;
    if (n.isString()) return Long.parseUnsignedLong(n.asString());
    BigInteger b = n.bigIntegerValue();
    return b.longValue();
  }
}
