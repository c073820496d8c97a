package org.xraybridge.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A Datadog Agent's HTTP API on the loopback interface, standing in for the Agent (or the intake)
 * behind the bridge: it records every request (method, path and query, headers, the body — whole up
 * to {@link #KEPT_BYTES}, else its SHA-256 and length only) and answers {@code GET /info} with {@link
 * #info} and everything else with what {@link #answer} says. {@link #down()} closes the port so
 * connections are refused; {@link #up()} opens the same port again; {@link #readDelay} holds each body
 * unread for a while, as a slow next hop does. Thread-safe.
 */
public final class FakeAgent implements AutoCloseable {

  /** Bodies up to this are kept whole; larger ones by digest and length. */
  public static final int KEPT_BYTES = 4 << 20;

  /**
   * An Agent's {@code /info} (7.6x shape, docs/receiver.md): every route, remote configuration on, a
   * DogStatsD port, client stats on.
   */
  public static final String INFO = """
      {"version":"7.64.3","git_commit":"abcdef0","endpoints":["/v0.3/traces","/v0.3/services","/v0.4/traces","/v0.4/services",\
      "/v0.5/traces","/v0.7/traces","/profiling/v1/input","/telemetry/proxy/","/v0.6/stats","/v0.1/pipeline_stats",\
      "/openlineage/api/v1/lineage","/evp_proxy/v1/","/evp_proxy/v2/","/evp_proxy/v3/","/evp_proxy/v4/","/debugger/v1/input",\
      "/debugger/v1/diagnostics","/debugger/v2/input","/symdb/v1/input","/dogstatsd/v1/proxy","/dogstatsd/v2/proxy",\
      "/tracer_flare/v1","/v0.7/config","/config/set"],"client_drop_p0s":true,"span_meta_structs":true,"long_running_spans":true,\
      "span_events":true,"evp_proxy_allowed_headers":["Content-Type","Accept-Encoding","Content-Encoding","User-Agent",\
      "DD-CI-PROVIDER-NAME"],"config":{"default_env":"none","target_tps":10,"max_eps":200,"receiver_port":8126,\
      "receiver_socket":"","connection_limit":0,"receiver_timeout":0,"max_request_bytes":26214400,"statsd_port":8125,\
      "max_memory":0,"max_cpu":0,"analyzed_spans_by_service":{}},"peer_tags":["_dd.base_service","db.instance","peer.service"],\
      "span_kinds_stats_computed":["server","consumer","client","producer"],"obfuscation_version":1}""";

  /** One request as received. */
  public record Request(String method, String uri, List<String[]> headers, byte[] body, long length, String sha256) {
    /** The first value of a header, by name in any case; null when absent. */
    public String header(String name) {
      for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) return h[1];
      return null;
    }

    public String path() {
      int q = uri.indexOf('?');
      return q < 0 ? uri : uri.substring(0, q);
    }
  }

  /** What to answer: status, headers, body. */
  public record Answer(int status, Map<String, String> headers, byte[] body) {
    public static Answer json(int status, String body) {
      return new Answer(status, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
    }
  }

  public final List<Request> requests = new CopyOnWriteArrayList<>();
  /** Body bytes read so far, over all requests, as they are read: shows whether a body streams. */
  public final java.util.concurrent.atomic.AtomicLong bodyBytesRead = new java.util.concurrent.atomic.AtomicLong();
  public volatile String info = INFO;
  public volatile Function<Request, Answer> answer = r -> Answer.json(200, "{}");
  public volatile Duration readDelay = Duration.ZERO;
  private int port;
  private HttpServer server;
  private ExecutorService executor;

  private FakeAgent(int port) {
    this.port = port;
  }

  /** Listening on a free loopback port. */
  public static FakeAgent start() throws IOException {
    return new FakeAgent(0).up();
  }

  /** A free port that refuses connections until {@link #up()}: an Agent that is down. */
  public static FakeAgent reserved() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return new FakeAgent(s.getLocalPort());
    }
  }

  public synchronized FakeAgent up() throws IOException {
    if (server != null) return this;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    port = server.getAddress().getPort();
    executor = Executors.newFixedThreadPool(8);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    return this;
  }

  public synchronized void down() {
    if (server == null) return;
    server.stop(0);
    executor.shutdownNow();
    server = null;
  }

  public synchronized URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The requests to {@code path} (without query), in arrival order. */
  public List<Request> to(String path) {
    List<Request> out = new ArrayList<>();
    for (Request r : requests) if (r.path().equals(path)) out.add(r);
    return out;
  }

  @Override
  public void close() {
    down();
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      if (!readDelay.isZero()) Thread.sleep(readDelay.toMillis());
      MessageDigest sha = sha256();
      ByteArrayOutputStream kept = new ByteArrayOutputStream();
      long length = 0;
      try (InputStream in = x.getRequestBody()) {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
          sha.update(buf, 0, n);
          bodyBytesRead.addAndGet(n);
          if (length + n <= KEPT_BYTES) kept.write(buf, 0, n);
          length += n;
        }
      }
      List<String[]> headers = new ArrayList<>();
      x.getRequestHeaders().forEach((k, vs) -> {
        for (String v : vs) headers.add(new String[] {k, v});
      });
      Request r = new Request(x.getRequestMethod(), x.getRequestURI().getRawPath()
          + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery()), headers,
          length <= KEPT_BYTES ? kept.toByteArray() : new byte[0], length, HexFormat.of().formatHex(sha.digest()));
      requests.add(r);
      Answer a = r.path().equals("/info") && r.method().equals("GET") ? Answer.json(200, info) : answer.apply(r);
      a.headers().forEach((k, v) -> x.getResponseHeaders().add(k, v));
      x.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
      if (a.body().length > 0) {
        try (OutputStream o = x.getResponseBody()) {
          o.write(a.body());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Lower-case names of headers, for comparisons. */
  public static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
