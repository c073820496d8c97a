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
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Conversion of every valid corpus document (the same bytes in every benchmark) against two
 * baselines: a bare Jackson token scan ({@code nextToken()} to the end) and {@code readTree}.
 * Scores are per document (the corpus is one invocation of {@link #DOCS} operations).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConvertBenchmark {

  static final int DOCS = 47;

  private final JsonFactory factory = JsonFactory.builder().build();
  private final ObjectMapper mapper = JsonMapper.builder().build();
  private byte[][] bytes;
  private XRayDocuments[] documents;
  private SegmentConverter converter;

  @Setup
  public void load() throws Exception {
    Path corpus = Path.of(System.getProperty("corpus.dir", "../shared/corpus"));
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
    bytes = b.subList(0, Math.min(DOCS, b.size())).toArray(new byte[0][]);
    if (bytes.length != DOCS) throw new IllegalStateException("expected " + DOCS + " documents, found " + bytes.length);
    documents = new XRayDocuments[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      documents[i] = new XRayDocuments("", List.of(new SegmentDocument("", new String(bytes[i], StandardCharsets.UTF_8))), Half.XRAY_POLL, false);
    }
    converter = new SegmentConverter(ConvertOptions.DEFAULTS, Ledger.NONE, Clock.systemUTC());
  }

  @Benchmark
  @OperationsPerInvocation(DOCS)
  public void tokenScan(Blackhole bh) {
    for (byte[] doc : bytes) {
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
    for (byte[] doc : bytes) bh.consume(mapper.readTree(doc));
  }

  private final org.xraybridge.convert.json.SegmentParser parser = new org.xraybridge.convert.json.SegmentParser();

  /** The parse alone (to see where conversion's time goes). */
  @Benchmark
  @OperationsPerInvocation(DOCS)
  public void parseOnly(Blackhole bh) throws Exception {
    for (byte[] doc : bytes) bh.consume(parser.parse(doc));
  }

  @Benchmark
  @OperationsPerInvocation(DOCS)
  public void convert(Blackhole bh) {
    for (XRayDocuments d : documents) bh.consume(converter.convert(d));
  }
}
