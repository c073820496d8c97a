package org.xraybridge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * A v0.4 traces payload shaped like the one dd-java-agent 1.68 sent in the capture
 * ({@code corpus/captured/dd-java-agent_v04/0011-http-PUT-v0_4_traces}): groups of the same five traces
 * (a 10-span checkout request with SQL and HTTP client spans, a failed 2-span job with a stack trace,
 * a 3-span API request with span links and events in meta, and two 2-span server → client traces),
 * 19 spans and about 12 KB a group, the 12 keys in the tracer's order, ids as uint64.
 *
 * <p>Encoded once; {@link #stamp} then rewrites, in place, every value that differs between two real
 * payloads — trace, span and parent ids (fixed-width {@code uint64}), start times ({@code int64}),
 * {@code _dd.p.tid} (the epoch second in its high half, as the tracer writes it) and a per-trace
 * order number in a tag and a URL — so the bridge never sees a repeated id, while the generator spends
 * microseconds, not milliseconds, per payload. Not thread-safe: one instance per connection.
 */
final class NativePayload {

  /** The span index, within a group, of the HTTP client span an X-Ray half can hang under. */
  static final int CLIENT_SPAN_IN_GROUP = 8;

  static final int SPANS_PER_GROUP = 19;
  static final int TRACES_PER_GROUP = 5;

  private final byte[] bytes;
  private final int spans;
  private final int traces;
  private final int[] traceIdAt; // per span
  private final int[] spanIdAt;
  private final int[] parentIdAt; // -1: root, written as 0 and never patched
  private final int[] parentIndex;
  private final int[] traceFirst; // per span: index of its trace's first span
  private final int[] startAt;
  private final long[] startOffset; // nanos after the trace's start
  private final int[] tidAt; // per root span with _dd.p.tid, else -1
  private final int[] orderAt; // offsets of 10 order digits; the trace's first span index in orderTrace
  private final int[] orderTrace;

  private NativePayload(byte[] bytes, int spans, int traces, Builder b) {
    this.bytes = bytes;
    this.spans = spans;
    this.traces = traces;
    this.traceIdAt = b.traceIdAt.stream().mapToInt(Integer::intValue).toArray();
    this.spanIdAt = b.spanIdAt.stream().mapToInt(Integer::intValue).toArray();
    this.parentIdAt = b.parentIdAt.stream().mapToInt(Integer::intValue).toArray();
    this.parentIndex = b.parentIndex.stream().mapToInt(Integer::intValue).toArray();
    this.traceFirst = b.traceFirst.stream().mapToInt(Integer::intValue).toArray();
    this.startAt = b.startAt.stream().mapToInt(Integer::intValue).toArray();
    this.startOffset = b.startOffset.stream().mapToLong(Long::longValue).toArray();
    this.tidAt = b.tidAt.stream().mapToInt(Integer::intValue).toArray();
    this.orderAt = b.orderAt.stream().mapToInt(Integer::intValue).toArray();
    this.orderTrace = b.orderTrace.stream().mapToInt(Integer::intValue).toArray();
  }

  /** A payload of {@code groups} groups ({@code 19 × groups} spans, {@code 5 × groups} traces). */
  static NativePayload of(int groups, String env, String runtimeId) {
    if (groups < 1) throw new IllegalArgumentException("groups: expected >= 1, got " + groups);
    Builder b = new Builder(env, runtimeId);
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(groups * TRACES_PER_GROUP);
      for (int g = 0; g < groups; g++) b.group(p);
      byte[] bytes = p.toByteArray();
      return new NativePayload(bytes, b.spanCount, groups * TRACES_PER_GROUP, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int spans() {
    return spans;
  }

  int traces() {
    return traces;
  }

  int length() {
    return bytes.length;
  }

  byte[] bytes() {
    return bytes;
  }

  /**
   * Rewrites the ids and times for the spans with sequence numbers {@code [seqBase, seqBase + spans)}:
   * span {@code i} gets id {@code SpanIds.id(seqBase + i)}, its trace the id of its first span's
   * sequence, and every trace ends just before {@code nowNanos}.
   */
  void stamp(long seqBase, long nowNanos) {
    long epochSecond = nowNanos / 1_000_000_000L;
    long traceStart = nowNanos - 1_000_000_000L; // the longest trace lasts < 1 s
    for (int i = 0; i < spans; i++) {
      long seq = seqBase + i;
      putLong(spanIdAt[i], SpanIds.id(seq));
      putLong(traceIdAt[i], SpanIds.traceId(seqBase + traceFirst[i]));
      if (parentIdAt[i] >= 0) putLong(parentIdAt[i], SpanIds.id(seqBase + parentIndex[i]));
      putLong(startAt[i], traceStart + startOffset[i]);
      if (tidAt[i] >= 0) putHex16(tidAt[i], epochSecond << 32);
    }
    for (int t = 0; t < orderAt.length; t++) putDigits10(orderAt[t], (seqBase + orderTrace[t]) % 10_000_000_000L);
  }

  /** Trace id, client span id and client start of the group-0 checkout trace after {@link #stamp}. */
  static long[] joinCandidate(long seqBase, long nowNanos) {
    long traceStart = nowNanos - 1_000_000_000L;
    return new long[] {SpanIds.traceId(seqBase), SpanIds.id(seqBase + CLIENT_SPAN_IN_GROUP), traceStart + 700_000_000L};
  }

  private void putLong(int at, long v) {
    for (int i = 7; i >= 0; i--) {
      bytes[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private void putHex16(int at, long v) {
    for (int i = 15; i >= 0; i--) {
      bytes[at + i] = HEX[(int) (v & 15)];
      v >>>= 4;
    }
  }

  private void putDigits10(int at, long v) {
    for (int i = 9; i >= 0; i--) {
      bytes[at + i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
  }

  // ---- building the template ----

  private static final String STACK = "java.lang.IllegalStateException: ledger out of balance by 42.00 EUR\n"
      + "\tat shop.jobs.Reconcile.reconcile(Reconcile.java:163)\n\tat shop.jobs.Reconcile.nightlyJob(Reconcile.java:155)\n"
      + "\tat shop.jobs.Main.main(Main.java:60)\nCaused by: java.lang.NumberFormatException: For input string: \"not-a-number\"\n"
      + "\tat java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)\n"
      + "\tat java.base/java.lang.Integer.parseInt(Integer.java:668)\n\tat java.base/java.lang.Integer.parseInt(Integer.java:786)\n"
      + "\tat shop.jobs.Reconcile.reconcile(Reconcile.java:161)\n\t... 2 more\n";
  private static final String ORDER = "order-0000000000";

  private static final class Builder {
    final String env;
    final String runtimeId;
    final List<Integer> traceIdAt = new ArrayList<>();
    final List<Integer> spanIdAt = new ArrayList<>();
    final List<Integer> parentIdAt = new ArrayList<>();
    final List<Integer> parentIndex = new ArrayList<>();
    final List<Integer> traceFirst = new ArrayList<>();
    final List<Integer> startAt = new ArrayList<>();
    final List<Long> startOffset = new ArrayList<>();
    final List<Integer> tidAt = new ArrayList<>();
    final List<Integer> orderAt = new ArrayList<>();
    final List<Integer> orderTrace = new ArrayList<>();
    int spanCount;
    int traceStartIndex;

    Builder(String env, String runtimeId) {
      this.env = env;
      this.runtimeId = runtimeId;
    }

    void group(MessageBufferPacker p) throws IOException {
      // 1: the checkout request, 10 spans
      trace(p, List.of(
          span("checkout.request", "POST /checkout", null, 0, -1, 0, 916_386_279L, rootMeta("order.id", ORDER, "customer.tier", "gold",
              "customer.vip", "true", "component", "trace", "_dd.integration", "otel", "_dd.sdk.otlp_export", "false",
              "_dd.tags.process", "entrypoint.name:shop.checkout,entrypoint.type:class,entrypoint.workdir:app,svc.user:true"),
              rootMetrics("cart.total", 59.97, "cart.items", 3.0)),
          span("shipping.lookup", "GET shipping quote", null, 0, 0, 814_477_618L, 101_851_654L, meta("component", "trace", "_dd.integration", "trace"),
              metrics()),
          span("http.request", "GET /downstream/status/?", "http", 1, 1, 900_873_709L, 13_061_139L, meta("http.status_code", "404",
              "peer.hostname", "shipping.internal", "http.url", "http://shipping.internal:8080/downstream/status/404?" + ORDER,
              "http.method", "GET", "span.kind", "client", "http.query.string", ORDER, "component", "http-url-connection",
              "_dd.integration", "http-url-connection"), metrics("_dd.measured", 1.0, "peer.port", 8080.0)),
          span("checkout.persist", "persist order", null, 0, 0, 120_000_000L, 180_000_000L, meta("component", "trace", "_dd.integration", "trace"),
              metrics()),
          span("h2.query", "SELECT id, total FROM orders WHERE id = ?", "sql", 0, 3, 130_000_000L, 2_100_000L, sqlMeta("SELECT"), sqlMetrics()),
          span("h2.query", "INSERT INTO orders(id, total) VALUES (?, ?)", "sql", 0, 3, 140_000_000L, 3_400_000L, sqlMeta("INSERT"), sqlMetrics()),
          span("h2.query", "CREATE TABLE IF NOT EXISTS orders(id VARCHAR(?) PRIMARY KEY, total DECIMAL(?,?))", "sql", 0, 3, 125_000_000L,
              1_200_000L, sqlMeta("CREATE"), sqlMetrics()),
          span("payment.charge", "charge card", null, 0, 0, 650_000_000L, 160_000_000L, meta("component", "trace", "payment.provider", "acme-pay",
              "_dd.integration", "trace"), metrics("_dd.measured", 1.0)),
          span("http.request", "POST /downstream/payments", "http", 0, 7, 700_000_000L, 95_000_000L, meta("http.status_code", "200",
              "peer.hostname", "payments.internal", "http.url", "http://payments.internal:8080/downstream/payments?" + ORDER,
              "http.method", "POST", "span.kind", "client", "http.query.string", ORDER, "component", "http-url-connection",
              "_dd.integration", "http-url-connection"), metrics("_dd.measured", 1.0, "peer.port", 8080.0)),
          span("checkout.validate", "validate cart", null, 0, 0, 10_000_000L, 60_000_000L, meta("component", "trace", "_dd.integration", "trace"),
              metrics("_sampling_priority_v1", 1.0, "validation.rules", 12.0))));
      // 2: a failed job, 2 spans
      trace(p, List.of(
          span("job.run", "NightlyReconcile", null, 1, -1, 0, 420_000_000L, rootMeta("error.message", "ledger out of balance by 42.00 EUR",
              "error.type", "java.lang.IllegalStateException", "error.stack", STACK, "component", "trace", "_dd.integration", "trace"),
              rootMetrics("job.attempt", 2.0)),
          span("job.reconcile", "reconcile ledger", null, 1, 0, 20_000_000L, 380_000_000L, meta("error.message", "ledger out of balance by 42.00 EUR",
              "error.type", "java.lang.IllegalStateException", "error.stack", STACK, "component", "trace", "_dd.integration", "trace"),
              metrics("_sampling_priority_v1", 1.0))));
      // 3: an API request with span links and events, 3 spans
      trace(p, List.of(
          span("http.server.request", "GET /api/items/{id}", null, 0, -1, 0, 48_000_000L, rootMeta("http.status_code", "200", "http.route",
              "/api/items/{id}", "app.cached", "false", "http.method", "GET", "app.tags.0", "a", "app.tags.1", "b", "span.kind", "server",
              "url.path", "/api/items/7", "_dd.integration", "otel"), rootMetrics("app.ratio", 0.25, "app.shards.0", 1.0, "app.shards.1", 2.0)),
          span("internal", "load-item", null, 0, 0, 2_000_000L, 30_000_000L, meta("events",
              "[{\"time_unix_nano\":1795928825331383533,\"name\":\"cache.miss\",\"attributes\":{\"cache.key\":\"item:7\",\"cache.ttl\":30}}]",
              "_dd.span_links", "[{\"attributes\":{\"link.reason\":\"batch-origin\"},\"flags\":1,\"span_id\":\"b7ad6b7169203331\","
                  + "\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\"}]", "span.kind", "internal", "_dd.integration", "otel"), metrics()),
          span("client.request", "inventory.reserve", null, 1, 0, 33_000_000L, 12_000_000L, meta("_dd.peer.service.source", "peer.service",
              "peer.service", "inventory", "span.kind", "client", "error.message", "inventory timeout", "error.type", "java.net.SocketTimeoutException",
              "error.stack", "java.net.SocketTimeoutException: inventory timeout\n\tat shop.api.Items.reserve(Items.java:88)\n", "_dd.integration", "otel"),
              metrics("_sampling_priority_v1", 1.0))));
      // 4 and 5: server → client, 2 spans each
      for (int k = 0; k < 2; k++) {
        trace(p, List.of(
            span("server.request", k == 0 ? "POST /from-xray" : "POST /from-xray-dd-shaped", null, 0, -1, 0, 75_000_000L,
                rootMeta("inbound.x_amzn_trace_id", "Root=1-6b0bb2f8-00000000780bcd5f1c9e2a44;Parent=53995c3f42cd8ad8;Sampled=1",
                    "span.kind", "server", "_dd.integration", "trace"), rootMetrics()),
            span("http.request", "GET /downstream/after-xray", "http", 0, 0, 20_000_000L, 40_000_000L, meta("http.status_code", "200",
                "peer.hostname", "127.0.0.1", "http.url", "http://127.0.0.1:18126/downstream/after-xray", "http.method", "GET",
                "span.kind", "client", "component", "http-url-connection", "_dd.integration", "http-url-connection"),
                metrics("_sampling_priority_v1", 1.0, "_dd.measured", 1.0, "peer.port", 18126.0))));
      }
    }

    private void trace(MessageBufferPacker p, List<Object[]> spans) throws IOException {
      traceStartIndex = spanCount;
      p.packArrayHeader(spans.size());
      for (Object[] s : spans) writeSpan(p, s);
    }

    /** name, resource, type, error, parent (index in trace, -1 root), start offset, duration, meta, metrics. */
    private static Object[] span(String name, String resource, String type, int error, int parent, long offset, long duration,
        String[] meta, Object[] metrics) {
      return new Object[] {name, resource, type, error, parent, offset, duration, meta, metrics};
    }

    private void writeSpan(MessageBufferPacker p, Object[] s) throws IOException {
      int index = spanCount++;
      int parent = (Integer) s[4];
      p.packMapHeader(12);
      /* 1 */ p.packString("service").packString("checkout-service");
      /* 2 */ p.packString("name").packString((String) s[0]);
      /* 3 */ p.packString("resource").packString((String) s[1]);
      /* 4 */ p.packString("trace_id");
      traceIdAt.add(fixedUint64(p));
      traceFirst.add(traceStartIndex);
      /* 5 */ p.packString("span_id");
      spanIdAt.add(fixedUint64(p));
      /* 6 */ p.packString("parent_id");
      if (parent < 0) {
        p.packLong(0);
        parentIdAt.add(-1);
        parentIndex.add(-1);
      } else {
        parentIdAt.add(fixedUint64(p));
        parentIndex.add(traceStartIndex + parent);
      }
      /* 7 */ p.packString("start");
      startAt.add(fixedInt64(p));
      startOffset.add((Long) s[5]);
      /* 8 */ p.packString("duration").packLong((Long) s[6]);
      /* 9 */ p.packString("type");
      if (s[2] == null) p.packNil(); else p.packString((String) s[2]);
      /* 10 */ p.packString("error").packInt((Integer) s[3]);
      Object[] metrics = (Object[]) s[8];
      /* 11 */ p.packString("metrics").packMapHeader(metrics.length / 2);
      for (int i = 0; i < metrics.length; i += 2) p.packString((String) metrics[i]).packDouble((Double) metrics[i + 1]);
      String[] meta = (String[]) s[7];
      /* 12 */ p.packString("meta").packMapHeader(meta.length / 2);
      int tid = -1;
      for (int i = 0; i < meta.length; i += 2) {
        p.packString(meta[i]);
        String v = meta[i + 1];
        p.packString(v);
        long end = p.getTotalWrittenBytes();
        if (meta[i].equals("_dd.p.tid")) tid = (int) (end - 16);
        int order = v.indexOf(ORDER);
        if (order >= 0) {
          int tail = v.length() - order - ORDER.length(); // ASCII: chars are bytes
          orderAt.add((int) (end - tail - 10));
          orderTrace.add(traceStartIndex);
        }
      }
      tidAt.add(tid);
      if (index != spanIdAt.size() - 1) throw new IllegalStateException("span bookkeeping out of step");
    }

    private String[] rootMeta(String... extra) {
      String[] base = {"_dd.p.ksr", "1", "_dd.p.dm", "-1", "_dd.p.tid", "0000000000000000", "thread.name", "http-nio-8080-exec-3",
          "language", "jvm", "version", "2.4.1", "runtime-id", runtimeId, "_dd.tracer_host", "bench-host"};
      return concat(base, extra, tail());
    }

    private String[] meta(String... extra) {
      return concat(new String[] {"thread.name", "http-nio-8080-exec-3", "version", "2.4.1"}, extra, tail());
    }

    private String[] sqlMeta(String operation) {
      return meta("db.instance", "orders", "db.operation", operation, "_dd.base_service", "checkout-service", "db.type", "h2",
          "db.user", "sa", "span.kind", "client", "_dd.svc_src", "opt.db", "component", "java-jdbc-prepared_statement",
          "_dd.integration", "java-jdbc-prepared_statement");
    }

    private String[] tail() {
      return new String[] {"team", "observability", "env", env};
    }

    private static Object[] rootMetrics(Object... extra) {
      Object[] base = {"_sampling_priority_v1", 1.0, "_dd.top_level", 1.0, "thread.id", 41.0, "process_id", 4644.0,
          "_dd.trace_span_attribute_schema", 0.0, "_dd.agent_psr", 1.0, "_dd.profiling.enabled", 0.0};
      Object[] out = Arrays.copyOf(base, base.length + extra.length);
      System.arraycopy(extra, 0, out, base.length, extra.length);
      return out;
    }

    private static Object[] metrics(Object... extra) {
      Object[] out = new Object[extra.length + 2];
      out[0] = "thread.id";
      out[1] = 41.0;
      System.arraycopy(extra, 0, out, 2, extra.length);
      return out;
    }

    private static Object[] sqlMetrics() {
      return metrics("_sampling_priority_v1", 1.0, "_dd.measured", 1.0, "_dd.top_level", 1.0);
    }

    private static String[] concat(String[] a, String[] b, String[] c) {
      String[] out = Arrays.copyOf(a, a.length + b.length + c.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      System.arraycopy(c, 0, out, a.length + b.length, c.length);
      return out;
    }

    /** Writes {@code 0xcf} and 8 zero bytes; the offset of the 8 bytes. */
    private static int fixedUint64(MessageBufferPacker p) throws IOException {
      p.writePayload(new byte[] {(byte) 0xcf, 0, 0, 0, 0, 0, 0, 0, 0});
      return (int) (p.getTotalWrittenBytes() - 8);
    }

    /** Writes {@code 0xd3} and 8 zero bytes; the offset of the 8 bytes. */
    private static int fixedInt64(MessageBufferPacker p) throws IOException {
      p.writePayload(new byte[] {(byte) 0xd3, 0, 0, 0, 0, 0, 0, 0, 0});
      return (int) (p.getTotalWrittenBytes() - 8);
    }
  }
}
