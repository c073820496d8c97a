package org.xraybridge.forward;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP peer on the loopback interface for the forwarder to talk to — standing in for a
 * Datadog Agent or the intake. It records every request (method, path, headers, body) and answers
 * what {@link #answer} says. {@link #down()} closes the port so connections are refused; {@link
 * #up()} opens the same port again.
 */
final class FakeHop implements AutoCloseable {
  /** One request as received. Header names are lower-case. */
  record Request(String method, String path, Map<String, String> headers, byte[] body, int status) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  /** What to answer: a status and a body. */
  record Answer(int status, String body) {
    static Answer ok() {
      return new Answer(200, "{\"rate_by_service\":{}}");
    }
  }

  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger count = new AtomicInteger();
  private int port;
  private volatile Function<Request, Answer> answer = r -> Answer.ok();
  private HttpServer server;
  private ExecutorService executor;

  private FakeHop(int port) {
    this.port = port;
  }

  /** Listening on an ephemeral port. */
  static FakeHop start() throws IOException {
    FakeHop h = new FakeHop(0);
    h.up();
    return h;
  }

  /** A port that refuses connections until {@link #up()}. */
  static FakeHop reserved() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return new FakeHop(s.getLocalPort());
    }
  }

  synchronized FakeHop up() throws IOException {
    if (server != null) return this;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    port = server.getAddress().getPort(); // the same port on the next up()
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    return this;
  }

  synchronized void down() {
    if (server == null) return;
    server.stop(0);
    executor.shutdownNow();
    server = null;
  }

  synchronized URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  void answer(Function<Request, Answer> a) {
    this.answer = a;
  }

  int requestCount() {
    return count.get();
  }

  /** Requests answered 2xx, on a path. */
  List<Request> accepted(String path) {
    List<Request> out = new ArrayList<>();
    for (Request r : requests) {
      if (r.path().equals(path) && r.status() >= 200 && r.status() < 300) out.add(r);
    }
    return out;
  }

  @Override
  public void close() {
    down();
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      byte[] body;
      try (InputStream in = x.getRequestBody()) {
        body = in.readAllBytes();
      }
      Map<String, String> headers = new TreeMap<>();
      x.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
      Request probe = new Request(x.getRequestMethod(), x.getRequestURI().getPath(), headers, body, 0);
      count.incrementAndGet();
      Answer a = answer.apply(probe);
      requests.add(new Request(probe.method(), probe.path(), headers, body, a.status()));
      byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().set("Content-Type", "application/json");
      x.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream o = x.getResponseBody()) {
          o.write(out);
        }
      }
    }
  }
}
