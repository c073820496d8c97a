package org.xraybridge.receiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.receiver.Msgpack.U64;
import org.xraybridge.testing.Corpus;

/**
 * v0.4 decoding into {@code Span}s and {@code TraceChunk}s ({@link #decode}) against the floor: a bare
 * msgpack-core traversal of the same bytes that reads every array and map header and skips every
 * other value ({@link #skipTraversal}); {@link #decodeKeepingBytes} is the agent mode's decode, whose
 * spans keep their wire bytes. Two payloads: the Java tracer's captured one (5 traces, 19
 * spans, 12 KB, the same bytes each time) and synthetic ones shaped like busy-service traffic (100
 * traces × 10 spans, random 64-bit ids, repeated tag keys and values, one-off values that differ
 * between {@value #VARIANTS} variants taken in turn, so caching cannot flatter the decoder). {@link
 * DecodeReport} prints the ratio and the allocation per span.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecodeBenchmark {

  @Param({"captured", "synthetic"})
  public String payload;

  /** Synthetic payloads differ in their one-off values, so the decoder's string cache sees real churn. */
  static final int VARIANTS = 8;

  private byte[][] variants;
  private int next;
  private V04Decoder decoder;
  private V04Decoder keepingBytes;

  @Setup
  public void load() throws IOException {
    variants = new byte[VARIANTS][];
    for (int i = 0; i < VARIANTS; i++) variants[i] = payload(payload, i);
    decoder = new V04Decoder(System::nanoTime);
    keepingBytes = new V04Decoder(System::nanoTime, new StringCache(), true);
  }

  @Benchmark
  public DecodeResult decode() {
    byte[] bytes = variants[next++ & (VARIANTS - 1)];
    return decoder.decode(bytes, bytes.length, TracerInfo.UNKNOWN);
  }

  /** The decode agent mode uses: spans keep their bytes (docs/receiver.md, "Bytes through"). */
  @Benchmark
  public DecodeResult decodeKeepingBytes() {
    byte[] bytes = variants[next++ & (VARIANTS - 1)];
    return keepingBytes.decode(bytes, bytes.length, TracerInfo.UNKNOWN);
  }

  @Benchmark
  public long skipTraversal() throws IOException {
    byte[] bytes = variants[next++ & (VARIANTS - 1)];
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      return visit(u);
    }
  }

  /** Visits one value: containers by their headers, everything else by {@code skipValue()}. */
  private static long visit(MessageUnpacker u) throws IOException {
    MessageFormat f = u.getNextFormat();
    ValueType t = f.getValueType();
    if (t == ValueType.ARRAY) {
      int n = u.unpackArrayHeader();
      long count = 1;
      for (int i = 0; i < n; i++) count += visit(u);
      return count;
    }
    if (t == ValueType.MAP) {
      int n = u.unpackMapHeader();
      long count = 1;
      for (int i = 0; i < 2 * n; i++) count += visit(u);
      return count;
    }
    u.skipValue();
    return 1;
  }

  /** The payload's {@code variant}: the captured one is always the same bytes. */
  static byte[] payload(String name, int variant) throws IOException {
    if (name.equals("captured")) {
      return Files.readAllBytes(Corpus.file("captured/dd-java-agent_v04/0011-http-PUT-v0_4_traces.bin"));
    }
    return synthetic(100, 10, 42 + variant);
  }

  /**
   * Traces shaped like a busy Java service's: most strings repeat (tag keys, services, operation
   * names, thread names, versions), ids and some values (URLs, a quarter of the resources, the high
   * trace-id halves) differ with every {@code seed}.
   */
  static byte[] synthetic(int traces, int spansPerTrace, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    String[] services = {"checkout-service", "payments", "inventory"};
    String[] names = {"servlet.request", "spring.handler", "http.request", "jdbc.query", "redis.command",
        "kafka.produce", "grpc.client", "cache.get", "template.render", "task.run"};
    String runtimeId = "ed95f89c-e6bd-42cf-896b-4832815a69ca";
    List<Object> out = new ArrayList<>();
    for (int t = 0; t < traces; t++) {
      long traceId = random.nextLong();
      long rootId = random.nextLong();
      List<Object> spans = new ArrayList<>();
      for (int s = 0; s < spansPerTrace; s++) {
        long spanId = s == 0 ? rootId : random.nextLong();
        String name = names[s % names.length];
        Map<String, Object> span = new LinkedHashMap<>();
        span.put("service", services[random.nextInt(services.length)]);
        span.put("name", name);
        span.put("resource", random.nextInt(4) == 0 ? "GET /orders/" + random.nextInt(100000) : "GET /orders/{id}");
        span.put("trace_id", new U64(traceId));
        span.put("span_id", new U64(spanId));
        span.put("parent_id", s == 0 ? 0 : new U64(rootId));
        span.put("start", 1_795_928_824_354_847_825L + random.nextInt(1_000_000_000));
        span.put("duration", (long) random.nextInt(50_000_000));
        span.put("type", s % 3 == 0 ? "web" : null);
        span.put("error", random.nextInt(20) == 0 ? 1 : 0);
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (s == 0) {
          metrics.put("_sampling_priority_v1", 1);
          metrics.put("_dd.agent_psr", 1.0);
          metrics.put("process_id", 4644);
        }
        metrics.put("_dd.top_level", 1);
        metrics.put("thread.id", 1 + random.nextInt(40));
        metrics.put("peer.port", 8080);
        span.put("metrics", metrics);
        Map<String, Object> meta = new LinkedHashMap<>();
        if (s == 0) {
          meta.put("_dd.p.tid", String.format("%016x", (0x6b0bb2f8L + random.nextInt(1 << 20)) << 32));
          meta.put("_dd.p.dm", "-1");
          meta.put("runtime-id", runtimeId);
          meta.put("language", "jvm");
        }
        meta.put("thread.name", "http-nio-8080-exec-" + (1 + random.nextInt(40)));
        meta.put("version", "2.4.1");
        meta.put("env", "prod");
        meta.put("component", name.substring(0, name.indexOf('.')));
        meta.put("span.kind", s == 0 ? "server" : "client");
        meta.put("http.method", "GET");
        meta.put("http.status_code", "200");
        meta.put("http.url", "http://inventory:8080/orders/" + random.nextInt(100000) + "?expand=items");
        meta.put("peer.hostname", "inventory");
        meta.put("_dd.integration", name.substring(0, name.indexOf('.')));
        span.put("meta", meta);
        spans.add(span);
      }
      out.add(spans);
    }
    return Msgpack.pack(out);
  }
}
