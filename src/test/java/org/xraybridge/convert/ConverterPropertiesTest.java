package org.xraybridge.convert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.Cases;
import org.xraybridge.testing.Corpus;

/** Invariants of the converter over random valid traces and over mutated corpus documents. */
class ConverterPropertiesTest {

  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  private final SegmentConverter converter =
      new SegmentConverter(ConvertOptions.DEFAULTS, Ledger.NONE, Clock.fixed(NOW, ZoneOffset.UTC));

  /** A generated trace: its documents, how many (sub)segments they hold, and the external parent. */
  record Generated(String xrayId, List<String> documents, int entities, long externalParent) {}

  @Test
  void randomValidTraces_everyEntityOneSpan_parentsResolve_durationsNonNegative() {
    Cases.forAll(1L, Cases.tries(2_000), ConverterPropertiesTest::generate, g -> {
      List<SegmentDocument> docs = new ArrayList<>();
      for (String d : g.documents()) docs.add(new SegmentDocument("", d));
      Conversion c = converter.convertDetailed(new XRayDocuments(g.xrayId(), docs, Half.XRAY_POLL, false));
      assertThat(c.rejections()).isEmpty();
      List<Span> spans = c.trace().spans();
      assertThat(spans).hasSize(g.entities());
      Set<Long> ids = new HashSet<>();
      for (Span s : spans) assertThat(ids.add(s.spanId())).as("unique span id").isTrue();
      for (Span s : spans) {
        assertThat(s.durationNanos()).isNotNegative();
        assertThat(s.traceId()).isEqualTo(IdCodec.datadogTraceId(g.xrayId()));
        assertThat(s.parentId() == 0 || s.parentId() == g.externalParent() || ids.contains(s.parentId()))
            .as("parent %s of %s resolves", Long.toHexString(s.parentId()), Long.toHexString(s.spanId()))
            .isTrue();
      }
    });
  }

  static Generated generate(SplittableRandom r) {
    StringBuilder unique = new StringBuilder();
    for (int i = 0; i < 24; i++) unique.append(Character.forDigit(r.nextInt(16), 16));
    if (r.nextInt(4) == 0) unique.replace(0, 8, "00000000");
    if (unique.toString().equals("0".repeat(24))) unique.setCharAt(23, '1');
    String xrayId = "1-" + Long.toHexString(0x60000000L + r.nextInt(1 << 24)) + "-" + unique;
    long external = r.nextBoolean() ? 0 : (r.nextLong() | 1);
    List<String> docs = new ArrayList<>();
    int[] count = {0};
    Set<Long> used = new HashSet<>();
    int segments = 1 + r.nextInt(3);
    List<Long> segmentIds = new ArrayList<>();
    for (int i = 0; i < segments; i++) {
      long id = freshId(r, used);
      segmentIds.add(id);
      long start = 1_790_000_000_000L + r.nextInt(1_000_000);
      StringBuilder d = new StringBuilder("{\"trace_id\":\"" + xrayId + "\",\"id\":\"" + IdCodec.toHex64(id) + "\",\"name\":\"" + name(r) + "\"");
      if (i == 0 && external != 0) d.append(",\"parent_id\":\"").append(IdCodec.toHex64(external)).append('"');
      times(d, start, r);
      attributes(d, r, true);
      count[0]++;
      subsegments(d, r, used, start, 0, count);
      d.append('}');
      docs.add(d.toString());
    }
    int independents = r.nextInt(3);
    for (int i = 0; i < independents; i++) {
      long id = freshId(r, used);
      long parent = segmentIds.get(r.nextInt(segmentIds.size()));
      long start = 1_790_000_000_000L + r.nextInt(1_000_000);
      StringBuilder d = new StringBuilder("{\"type\":\"subsegment\",\"trace_id\":\"" + xrayId + "\",\"id\":\"" + IdCodec.toHex64(id)
          + "\",\"parent_id\":\"" + IdCodec.toHex64(parent) + "\",\"name\":\"" + name(r) + "\"");
      times(d, start, r);
      attributes(d, r, false);
      count[0]++;
      subsegments(d, r, used, start, 0, count);
      d.append('}');
      docs.add(d.toString());
    }
    java.util.Collections.shuffle(docs, new java.util.Random(r.nextLong()));
    return new Generated(xrayId, docs, count[0], external);
  }

  private static void subsegments(StringBuilder d, SplittableRandom r, Set<Long> used, long start, int depth, int[] count) {
    if (depth >= 4 || r.nextInt(3) == 0) return;
    int n = r.nextInt(4);
    if (n == 0) return;
    d.append(",\"subsegments\":[");
    for (int i = 0; i < n; i++) {
      if (i > 0) d.append(',');
      long id = freshId(r, used);
      d.append("{\"id\":\"").append(IdCodec.toHex64(id)).append("\",\"name\":\"").append(name(r)).append('"');
      times(d, start + r.nextInt(100), r);
      attributes(d, r, false);
      count[0]++;
      subsegments(d, r, used, start, depth + 1, count);
      d.append('}');
    }
    d.append(']');
  }

  private static void times(StringBuilder d, long startMillis, SplittableRandom r) {
    long end = startMillis + r.nextInt(5_000) - (r.nextInt(20) == 0 ? 10_000 : 0);
    String s = r.nextBoolean() ? (startMillis / 1000) + "." + String.format("%03d", startMillis % 1000) : String.valueOf(startMillis / 1000.0);
    d.append(",\"start_time\":").append(s).append(",\"end_time\":").append(end / 1000) .append('.').append(String.format("%03d", Math.abs(end % 1000)));
  }

  private static void attributes(StringBuilder d, SplittableRandom r, boolean segment) {
    switch (r.nextInt(6)) {
      case 0 -> d.append(",\"namespace\":\"aws\",\"aws\":{\"operation\":\"GetItem\",\"retries\":1,\"table_name\":\"t\"}");
      case 1 -> d.append(",\"namespace\":\"remote\",\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://h:1/p?x\"},\"response\":{\"status\":503}},\"fault\":true");
      case 2 -> d.append(",\"sql\":{\"database_type\":\"PostgreSQL\",\"url\":\"jdbc:postgresql://h/db\",\"sanitized_query\":\"SELECT ?\"}");
      case 3 -> d.append(",\"annotations\":{\"k\":\"v\",\"n\":1.5,\"b\":false},\"metadata\":{\"default\":{\"a\":[1,2,{\"b\":null}]}}");
      case 4 -> d.append(",\"cause\":{\"exceptions\":[{\"id\":\"0123456789abcdef\",\"type\":\"E\",\"message\":\"m\"}]}");
      default -> {
        if (segment) d.append(",\"origin\":\"AWS::Lambda::Function\"");
      }
    }
  }

  private static String name(SplittableRandom r) {
    String[] names = {"svc", "Order API", "DynamoDB", "127.0.0.1", "## handler", "Zürich", "x".repeat(1 + r.nextInt(250))};
    return names[r.nextInt(names.length)];
  }

  private static long freshId(SplittableRandom r, Set<Long> used) {
    long id;
    do {
      id = r.nextLong();
    } while (id == 0 || !used.add(id));
    return id;
  }

  /** Mutated corpus documents: the converter never throws, and a valid document beside them still converts. */
  @Test
  void mutatedCorpusDocuments_neverThrow_andNeverSpoilTheirNeighbour() throws Exception {
    List<byte[]> seeds = new ArrayList<>();
    try (Stream<Path> files = Files.list(Corpus.file("xray/segments"))) {
      for (Path p : files.sorted().toList()) seeds.add(Files.readAllBytes(p));
    }
    String good = SegmentConverterTest.segment("1212121212121212", "");
    int tries = Cases.forAll(2L, Cases.tries(3_000), r -> mutate(seeds.get(r.nextInt(seeds.size())), r), bad -> {
      Conversion c = converter.convertDetailed(new XRayDocuments(SegmentConverterTest.TRACE,
          List.of(new SegmentDocument("", bad), new SegmentDocument("", good)), Half.XRAY_POLL, false));
      assertThat(c.trace().spans()).anySatisfy(s -> assertThat(s.spanId()).isEqualTo(0x1212121212121212L));
    });
    assertThat(tries).isPositive();
  }

  static String mutate(byte[] seed, SplittableRandom r) {
    byte[] b = seed.clone();
    int edits = 1 + r.nextInt(8);
    StringBuilder s = new StringBuilder(new String(b, StandardCharsets.UTF_8));
    for (int i = 0; i < edits && s.length() > 0; i++) {
      int at = r.nextInt(s.length());
      switch (r.nextInt(6)) {
        case 0 -> s.deleteCharAt(at);
        case 1 -> s.insert(at, "{}[]\",:0-e.\\u0000\u00e9"
            .charAt(r.nextInt(14)));
        case 2 -> s.setLength(at);
        case 3 -> s.insert(at, "\"in_progress\":true,");
        case 4 -> s.replace(at, Math.min(s.length(), at + 4), "null");
        default -> s.insert(at, "9999999999");
      }
    }
    return s.toString();
  }
}
