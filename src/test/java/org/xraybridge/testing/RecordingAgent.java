package org.xraybridge.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.MapValue;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * A Datadog Agent on a loopback port that remembers every span it was sent on {@code /v0.4/traces}, by
 * span id, with what a join is judged by: trace id, parent, {@code _dd.p.tid}, env, sampling priority
 * and how many times it came. Bodies are read with msgpack-core's generic value model, apart from the
 * bridge's own decoder. Other paths answer 200. Thread-safe.
 */
public final class RecordingAgent implements AutoCloseable {

  private static final byte[] RATES = "{\"rate_by_service\":{}}".getBytes(StandardCharsets.US_ASCII);

  /** One span as the Agent got it; {@code times} counts the deliveries. */
  public static final class Seen {
    public final long traceId;
    public final long parentId;
    public final String tid;
    public final String env;
    public final double priority;
    public final String service;
    public final AtomicLong times = new AtomicLong();

    Seen(long traceId, long parentId, String tid, String env, double priority, String service) {
      this.traceId = traceId;
      this.parentId = parentId;
      this.tid = tid;
      this.env = env;
      this.priority = priority;
      this.service = service;
    }
  }

  public final Map<Long, Seen> spans = new ConcurrentHashMap<>();
  public final AtomicLong deliveries = new AtomicLong();
  public final AtomicLong payloads = new AtomicLong();
  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(4);

  public RecordingAgent() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(threads);
    server.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (exchange.getRequestURI().getPath().endsWith("/traces")) {
        try {
          record(body);
        } catch (IOException | RuntimeException e) {
          exchange.sendResponseHeaders(400, -1);
          exchange.close();
          return;
        }
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, RATES.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(RATES);
      }
    });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Spans that came more than once, counting each extra delivery. */
  public long duplicates() {
    long n = 0;
    for (Seen s : spans.values()) n += Math.max(0, s.times.get() - 1);
    return n;
  }

  private void record(byte[] body) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      payloads.incrementAndGet();
      for (Value trace : u.unpackValue().asArrayValue()) {
        for (Value v : trace.asArrayValue()) {
          Map<Value, Value> m = v.asMapValue().map();
          long spanId = number(m, "span_id");
          Map<Value, Value> meta = map(m, "meta");
          Map<Value, Value> metrics = map(m, "metrics");
          Value p = metrics.get(ValueFactory.newString("_sampling_priority_v1"));
          Seen s = spans.computeIfAbsent(spanId, id -> new Seen(number(m, "trace_id"), number(m, "parent_id"), text(meta, "_dd.p.tid"),
              text(meta, "env"), p == null ? Double.NaN : p.asNumberValue().toDouble(), text(m, "service")));
          s.times.incrementAndGet();
          deliveries.incrementAndGet();
        }
      }
    }
  }

  private static long number(Map<Value, Value> m, String key) {
    Value v = m.get(ValueFactory.newString(key));
    return v == null || v.isNilValue() ? 0 : v.asIntegerValue().toLong();
  }

  private static String text(Map<Value, Value> m, String key) {
    Value v = m.get(ValueFactory.newString(key));
    return v == null || !v.isStringValue() ? "" : v.asStringValue().asString();
  }

  private static Map<Value, Value> map(Map<Value, Value> m, String key) {
    Value v = m.get(ValueFactory.newString(key));
    return v == null || !v.isMapValue() ? Map.of() : ((MapValue) v).map();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
