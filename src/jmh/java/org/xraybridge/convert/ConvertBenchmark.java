package org.xraybridge.convert;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.BigTraces;
import org.xraybridge.testing.Corpus;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Conversion of every valid corpus document against two baselines: a bare Jackson token scan
 * ({@code nextToken()} to the end) and {@code readTree}. Scores are per document (the corpus is one
 * invocation of {@link #DOCS} operations).
 *
 * <p>Every benchmark reads the same input in the same form, a {@code String}: that is what the
 * converter is handed in production ({@link SegmentDocument#json()}, filled from the SDK's
 * {@code Segment.document()} and from the daemon's decoded datagrams). The baselines once scanned
 * the UTF-8 bytes while conversion was given the String, which charged conversion for an encoding
 * the baselines never did; each side now parses the String as Jackson does by default
 * ({@code createParser(ObjectReadContext, String)}, {@code readTree(String)}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConvertBenchmark {

  static final int DOCS = 47;

  private final JsonFactory factory = JsonFactory.builder().build();
  private final ObjectMapper mapper = JsonMapper.builder().build();
  private String[] texts;
  private XRayDocuments[] documents;
  private SegmentConverter converter;

  @Setup
  public void load() throws Exception {
    Path corpus = Corpus.root();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(corpus.resolve("xray/segments"))) {
      s.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
    }
    for (String folder : List.of("xray-sdk-java_segment", "xray-sdk-java_streamed-subsegments", "xray-sdk-node_segment")) {
      try (Stream<Path> s = Files.list(corpus.resolve("captured").resolve(folder))) {
        s.filter(p -> p.getFileName().toString().matches("\\d+-udp-.*\\.json") && !p.toString().endsWith(".meta.json"))
            .sorted().forEach(files::add);
      }
    }
    List<byte[]> b = new ArrayList<>();
    for (Path p : files) {
      byte[] doc = Files.readAllBytes(p);
      if (!new String(doc, StandardCharsets.UTF_8).contains("\"trace_id\"")) continue; // fragments need a parent
      b.add(doc);
    }
    if (b.size() < DOCS) throw new IllegalStateException("expected " + DOCS + " documents, found " + b.size());
    texts = new String[DOCS];
    documents = new XRayDocuments[DOCS];
    for (int i = 0; i < DOCS; i++) {
      texts[i] = new String(b.get(i), StandardCharsets.UTF_8);
      documents[i] = new XRayDocuments("", List.of(new SegmentDocument("", texts[i])), Half.XRAY_POLL, false);
    }
    converter = new SegmentConverter(ConvertOptions.DEFAULTS, Ledger.NONE, Clock.systemUTC());
  }

  @Benchmark
  @OperationsPerInvocation(DOCS)
  public void tokenScan(Blackhole bh) {
    for (String doc : texts) {
      try (JsonParser p = factory.createParser(ObjectReadContext.empty(), doc)) {
        while (p.nextToken() != null) {
          bh.consume(p.currentToken());
        }
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(DOCS)
  public void readTree(Blackhole bh) {
    for (String doc : texts) bh.consume(mapper.readTree(doc));
  }

  private final org.xraybridge.convert.json.SegmentParser parser = new org.xraybridge.convert.json.SegmentParser();

  /** The parse alone (to see where conversion's time goes). */
  @Benchmark
  @OperationsPerInvocation(DOCS)
  public void parseOnly(Blackhole bh) throws Exception {
    for (String doc : texts) bh.consume(parser.parse(doc));
  }

  @Benchmark
  @OperationsPerInvocation(DOCS)
  public void convert(Blackhole bh) {
    for (XRayDocuments d : documents) bh.consume(converter.convert(d));
  }

  /** Small and big traces in documents as X-Ray serves them (testing.BigTraces): scores are per span. */
  private XRayDocuments trace10;
  private XRayDocuments trace10k;

  @Setup
  public void traces() {
    long start = java.time.Instant.now().getEpochSecond() - 60; // the converter's clock is the system's
    trace10 = BigTraces.trace(10, 10, 500, start).documents(false);
    trace10k = BigTraces.trace(10_000, 10_000, 500, start).documents(false);
  }

  /** A trace of 10 spans: one Lambda segment, one batch, eight DynamoDB calls. Time per span. */
  @Benchmark
  @OperationsPerInvocation(10)
  public Object trace10Spans() {
    return converter.convert(trace10);
  }

  /**
   * A trace of 10,000 spans: twenty compiled segments of 500 spans (≈ 190 KB each, past 64 KiB).
   * Time per span; its ratio to {@link #trace10Spans} says whether cost grows faster than the work.
   */
  @Benchmark
  @OperationsPerInvocation(10_000)
  public Object trace10000Spans() {
    return converter.convert(trace10k);
  }
}
