package org.xraybridge.forward;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/** Named fixtures and a seeded generator of chunks that exercise every span field. */
public final class TestTraces {
  public static final TracerInfo JAVA = new TracerInfo("java", "17.0.15", "1.68.1", "");
  public static final TracerInfo PYTHON = new TracerInfo("python", "3.12.4", "2.9.0", "3f2a9c1e0b7d44aa");
  /** A start time in 2026, nanoseconds. */
  public static final long T0 = 1_790_000_000_000_000_000L;
  /** A trace id above {@code Long.MAX_VALUE} as unsigned: must travel as uint64. */
  public static final long TOP_BIT_TRACE = 0x8000_0000_0000_00ABL;

  private static final String[] SERVICES = {"checkout", "orders-api", "dynamodb", "Ünïcödé-svc", "lambda:handler"};
  private static final String[] TYPES = {"web", "db", "http", "sql", "", "serverless"};

  private TestTraces() {}

  /**
   * {@code n} plain spans of one service: a root and its children; span ids {@code base + i}, the
   * root's duration covers the children.
   */
  public static TraceChunk simple(long traceId, long base, int n, TracerInfo tracer, int priority) {
    List<Span> spans = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      spans.add(Span.builder()
          .traceId(traceId)
          .spanId(base + i)
          .parentId(i == 0 ? 0 : base)
          .startNanos(T0 + i * 1_000_000L)
          .durationNanos(i == 0 ? 50_000_000L : 1_000_000L * (i + 1))
          .service("checkout")
          .name(i == 0 ? "http.request" : "dynamodb.query")
          .resource(i == 0 ? "GET /cart" : "Query orders")
          .type(i == 0 ? "web" : "db")
          .putMeta("env", "prod")
          .putMeta("span.kind", i == 0 ? "server" : "client")
          .build());
    }
    return new TraceChunk(traceId, spans, priority, "", "prod", Half.NATIVE, tracer);
  }

  public static ChunkBatch batch(TraceChunk... chunks) {
    return ChunkBatch.of(List.of(chunks));
  }

  public static Set<Long> spanIds(ChunkBatch b) {
    Set<Long> ids = new LinkedHashSet<>();
    for (TraceChunk c : b.chunks()) for (Span s : c.spans()) ids.add(s.spanId());
    return ids;
  }

  /** A chunk with random content in every field (unicode, long strings, top-bit ids, links …). */
  public static TraceChunk random(SplittableRandom r, TracerInfo tracer) {
    long traceId = nonZero(r);
    int n = 1 + r.nextInt(10);
    List<Long> ids = new ArrayList<>();
    List<Span> spans = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long id = nonZero(r);
      long parent;
      if (i == 0) parent = r.nextInt(5) == 0 ? nonZero(r) : 0; // sometimes a chunk without its root
      else parent = r.nextInt(6) == 0 ? nonZero(r) : ids.get(r.nextInt(ids.size()));
      ids.add(id);
      Span.Builder b = Span.builder()
          .traceId(traceId)
          .spanId(id)
          .parentId(parent)
          .startNanos(T0 + r.nextLong(1_000_000_000_000L))
          .durationNanos(r.nextInt(8) == 0 ? 0 : r.nextLong(1, 20_000_000_000L))
          .error(r.nextInt(4) == 0 ? 1 : 0)
          .service(SERVICES[r.nextInt(SERVICES.length)])
          .name(text(r, 40))
          .resource(r.nextInt(10) == 0 ? text(r, 400) : text(r, 60))
          .type(TYPES[r.nextInt(TYPES.length)]);
      int meta = r.nextInt(7);
      for (int m = 0; m < meta; m++) b.putMeta(text(r, 20) + m, r.nextInt(12) == 0 ? text(r, 600) : text(r, 50));
      if (r.nextBoolean()) b.putMeta("span.kind", r.nextBoolean() ? "server" : "client");
      if (r.nextInt(3) == 0) b.putMeta("http.status_code", r.nextBoolean() ? "200" : "503");
      int metrics = r.nextInt(5);
      for (int m = 0; m < metrics; m++) b.putMetric(text(r, 15) + m, metric(r));
      if (i == 0 && r.nextInt(3) == 0) b.putMetric(Priority.METRIC, r.nextInt(4) - 1);
      if (r.nextInt(6) == 0) b.putMetric("_top_level", 1); // stale marking the intake writer must correct
      if (r.nextInt(5) == 0) {
        byte[] blob = new byte[r.nextInt(300)];
        for (int k = 0; k < blob.length; k++) blob[k] = (byte) r.nextInt(256);
        b.putMetaStruct("appsec", blob);
      }
      int links = r.nextInt(6) == 0 ? 1 + r.nextInt(2) : 0;
      for (int l = 0; l < links; l++) {
        Map<String, String> attrs = new HashMap<>();
        if (r.nextBoolean()) attrs.put("link.kind", text(r, 10));
        b.addSpanLink(new SpanLink(nonZero(r), r.nextBoolean() ? nonZero(r) : 0, nonZero(r), attrs,
            r.nextBoolean() ? "dd=s:1;t.dm:-4" : "", r.nextBoolean() ? r.nextInt(1, 3) : 0));
      }
      spans.add(b.build());
    }
    int[] priorities = {Priority.NONE, Priority.USER_REJECT, Priority.AUTO_REJECT, Priority.AUTO_KEEP, Priority.USER_KEEP};
    String[] origins = {"", "", "lambda", "synthetics-browser"};
    String[] envs = {"", "prod", "staging"};
    return new TraceChunk(traceId, spans, priorities[r.nextInt(priorities.length)], origins[r.nextInt(origins.length)],
        envs[r.nextInt(envs.length)], r.nextBoolean() ? Half.NATIVE : Half.XRAY_POLL, tracer);
  }

  public static long nonZero(SplittableRandom r) {
    long v = r.nextLong();
    return v == 0 ? 1 : v;
  }

  private static double metric(SplittableRandom r) {
    return switch (r.nextInt(5)) {
      case 0 -> 0;
      case 1 -> -r.nextDouble() * 1e6;
      case 2 -> r.nextInt(1000);
      case 3 -> Double.MAX_VALUE;
      default -> r.nextDouble();
    };
  }

  /** Random text up to {@code max} chars: ASCII, 2- and 3-byte chars, emoji pairs, a rare lone surrogate. */
  public static String text(SplittableRandom r, int max) {
    int n = r.nextInt(max + 1);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      switch (r.nextInt(20)) {
        case 0 -> b.append((char) (0xC0 + r.nextInt(0x100))); // 2 bytes
        case 1 -> b.append((char) (0x4E00 + r.nextInt(0x500))); // 3 bytes
        case 2 -> b.appendCodePoint(0x1F600 + r.nextInt(0x40)); // 4 bytes, a surrogate pair
        case 3 -> b.append(r.nextInt(50) == 0 ? '\uD800' : 'x'); // rarely an unpaired surrogate
        default -> b.append((char) ('a' + r.nextInt(26)));
      }
    }
    return b.toString();
  }

  /** What a string reads as after a UTF-8 round trip (an unpaired surrogate becomes '?'). */
  public static String wire(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  public static Map<String, String> wire(Map<String, String> m) {
    Map<String, String> out = new HashMap<>();
    m.forEach((k, v) -> out.put(wire(k), wire(v)));
    return out;
  }
}
