package org.xraybridge.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Span;
import org.xraybridge.receiver.V04BodyReader;

/**
 * An in-process, Agent-compatible sink for the embedded default mode: a small HTTP server on the
 * loopback interface (ephemeral port) that takes {@code PUT /v0.4/traces} and {@code /v0.6/stats} as
 * a Datadog Agent does, decodes them with msgpack-core, and records what it got — counts, and the
 * last N traces — so the demo can show it. The forwarder's {@code agent} writer sends here over real
 * HTTP, so the embedded mode exercises the same wire path as a real Agent.
 *
 * <p>The JDK's {@code com.sun.net.httpserver} is enough for a loopback sink and keeps it apart
 * from the WebFlux server; handlers run on two daemon threads of its own. Bodies above {@code
 * maxBodyBytes} get 413, undecodable ones 400 (as the Agent answers, docs/receiver.md). Memory is bounded
 * by {@code recentTraces}.
 *
 * <p>Thread-safe.
 */
public final class EmbeddedAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedAgent.class);
  private static final byte[] RATES = "{\"rate_by_service\":{}}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] INFO =
      "{\"version\":\"embedded\",\"endpoints\":[\"/v0.4/traces\",\"/v0.6/stats\"],\"client_drop_p0s\":false}"
          .getBytes(StandardCharsets.UTF_8);

  private final int recentTraces;
  private final int maxBodyBytes;
  private final Clock clock;
  /** Guarded by itself: the sink's two threads share one reader (and its string cache). */
  private final V04BodyReader reader = new V04BodyReader();
  private final ArrayDeque<List<Span>> recent = new ArrayDeque<>();
  private HttpServer server;
  private ExecutorService executor;
  private URI url;
  private long tracePayloads;
  private long traces;
  private long spans;
  private long statsPayloads;
  private long rejectedPayloads;
  private long bytes;
  private Instant lastPayloadAt = Instant.EPOCH;

  /** What the sink got since it started; {@code lastPayloadAt} is {@link Instant#EPOCH} for "never". */
  public record Snapshot(
      URI url,
      long tracePayloads,
      long traces,
      long spans,
      long statsPayloads,
      long rejectedPayloads,
      long bytes,
      Instant lastPayloadAt,
      List<List<Span>> recentTraces) {}

  public EmbeddedAgent(int recentTraces, int maxBodyBytes, Clock clock) {
    this.recentTraces = Math.max(0, recentTraces);
    this.maxBodyBytes = maxBodyBytes;
    this.clock = clock;
  }

  /** Binds 127.0.0.1 on an ephemeral port; returns the base URL. */
  public synchronized URI start() throws IOException {
    if (server != null) return url;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "embedded-agent");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    log.info("Embedded Agent-compatible sink listening on {} (forwarded traces are recorded in memory)", url);
    return url;
  }

  public synchronized URI url() {
    if (url == null) throw new IllegalStateException("embedded agent not started");
    return url;
  }

  public synchronized Snapshot snapshot() {
    return new Snapshot(url, tracePayloads, traces, spans, statsPayloads, rejectedPayloads, bytes, lastPayloadAt,
        List.copyOf(recent));
  }

  @Override
  public synchronized void close() {
    if (server == null) return;
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      switch (path) {
        case "/v0.4/traces" -> traces(x);
        case "/v0.6/stats" -> stats(x);
        case "/info" -> reply(x, 200, "application/json", INFO);
        default -> reply(x, 404, "text/plain", "404 page not found\n".getBytes(StandardCharsets.UTF_8));
      }
    } catch (RuntimeException e) {
      log.warn("Embedded agent: request failed", e);
    }
  }

  private void traces(HttpExchange x) throws IOException {
    byte[] body = body(x);
    if (body == null) return;
    List<List<Span>> got;
    try {
      synchronized (reader) {
        got = reader.read(body);
      }
    } catch (IOException e) {
      synchronized (this) {
        rejectedPayloads++;
      }
      reply(x, 400, "text/plain", ("msgpack decode error: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
      return;
    }
    synchronized (this) {
      tracePayloads++;
      bytes += body.length;
      lastPayloadAt = clock.instant();
      for (List<Span> t : got) {
        traces++;
        spans += t.size();
        if (recentTraces > 0) {
          recent.addLast(List.copyOf(t));
          while (recent.size() > recentTraces) recent.removeFirst();
        }
      }
    }
    reply(x, 200, "application/json", RATES);
  }

  private void stats(HttpExchange x) throws IOException {
    byte[] body = body(x);
    if (body == null) return;
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      if (!u.getNextFormat().getValueType().isMapType()) throw new IOException("not a map");
      u.skipValue();
      if (u.hasNext()) throw new IOException("trailing bytes");
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        rejectedPayloads++;
      }
      reply(x, 400, "text/plain", ("msgpack decode error: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
      return;
    }
    synchronized (this) {
      statsPayloads++;
      bytes += body.length;
      lastPayloadAt = clock.instant();
    }
    reply(x, 200, "text/plain", new byte[0]);
  }

  /** The request body, or null after answering 413 when it is larger than the bound. */
  private byte[] body(HttpExchange x) throws IOException {
    String length = x.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > maxBodyBytes) {
          tooLarge(x);
          return null;
        }
      } catch (NumberFormatException e) {
        reply(x, 400, "text/plain", "bad Content-Length".getBytes(StandardCharsets.UTF_8));
        return null;
      }
    }
    try (InputStream in = x.getRequestBody()) {
      byte[] b = in.readNBytes(maxBodyBytes + 1);
      if (b.length > maxBodyBytes) {
        tooLarge(x);
        return null;
      }
      return b;
    }
  }

  private void tooLarge(HttpExchange x) throws IOException {
    synchronized (this) {
      rejectedPayloads++;
    }
    reply(x, 413, "text/plain", "payload-too-large".getBytes(StandardCharsets.UTF_8));
  }

  private static void reply(HttpExchange x, int status, String contentType, byte[] body) throws IOException {
    x.getResponseHeaders().set("Content-Type", contentType);
    x.getResponseHeaders().set("Datadog-Agent-Version", "embedded");
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
