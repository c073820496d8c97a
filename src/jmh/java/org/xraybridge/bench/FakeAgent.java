package org.xraybridge.bench;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A Datadog Agent that only counts: it reads each {@code /v0.4/traces} body just far enough to find
 * every span's {@code span_id} (every other value is skipped), ticks the span's sequence number off in
 * {@link #received} ({@link SpanIds#seq}), notes a second sighting in {@link #duplicated}, and answers
 * 200 with the Agent's rates body. {@code /v0.6/stats}, {@code /info} and the rest answer 200.
 *
 * <p>Faults: {@link #down()} closes the listener and every connection (the bridge then meets
 * "connection refused"), {@link #failWith503(boolean)} keeps listening but answers 503 to traces
 * without counting them, {@link #up()} binds the same port again.
 *
 * <p>Counting happens before the answer is written: a span counted here is one the bridge can see
 * acknowledged (unless the connection breaks in between, which the bench never causes while up).
 * Thread-safe.
 */
final class FakeAgent implements AutoCloseable {
  private static final byte[] RATES = "{\"rate_by_service\":{\"service:,env:\":1}}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SPAN_ID = "span_id".getBytes(StandardCharsets.US_ASCII);

  final SeqSet received;
  final SeqSet duplicated;
  final AtomicLong spans = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong foreign = new AtomicLong();
  final AtomicLong payloads = new AtomicLong();
  final AtomicLong bytes = new AtomicLong();
  final AtomicLong malformed = new AtomicLong();
  final AtomicLong refused503 = new AtomicLong();
  /** Spans received per second since {@link #startClock}. */
  private final AtomicLongArray perSecond = new AtomicLongArray(7200);
  /** Second sightings per second since {@link #startClock}. */
  private final AtomicLongArray duplicatesPerSecond = new AtomicLongArray(7200);
  private volatile long clockStartNanos = System.nanoTime();
  private final int port;
  private volatile boolean fail503;
  /** When {@link #up()} last bound, and when the first span arrived after it (0: none yet). */
  volatile long upAtNanos;
  volatile long firstSpanAfterUpNanos;
  private DisposableServer server;
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();

  FakeAgent(int port, long capacity) {
    this.port = port;
    this.received = new SeqSet(capacity);
    this.duplicated = new SeqSet(capacity);
  }

  int port() {
    return port;
  }

  void startClock(long nanos) {
    clockStartNanos = nanos;
  }

  long duplicatesPerSecond(int second) {
    return second >= 0 && second < duplicatesPerSecond.length() ? duplicatesPerSecond.get(second) : 0;
  }

  long perSecond(int second) {
    return second >= 0 && second < perSecond.length() ? perSecond.get(second) : 0;
  }

  synchronized FakeAgent up() {
    if (server != null) return this;
    server = HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .doOnConnection(c -> {
          Channel ch = c.channel();
          open.add(ch);
          ch.closeFuture().addListener(f -> open.remove(ch));
        })
        .handle(this::handle)
        .bindNow(Duration.ofSeconds(10));
    upAtNanos = System.nanoTime();
    firstSpanAfterUpNanos = 0;
    return this;
  }

  /** Stops listening and closes every connection: "connection refused" until {@link #up()}. */
  synchronized void down() {
    if (server == null) return;
    // Reactor Netty's dispose stops accepting but lets keep-alive connections live on: close them too
    server.disposeNow(Duration.ofSeconds(5));
    server = null;
    for (Channel ch : open) ch.close().awaitUninterruptibly(5_000);
  }

  void failWith503(boolean on) {
    if (fail503 && !on) {
      upAtNanos = System.nanoTime();
      firstSpanAfterUpNanos = 0;
    }
    fail503 = on;
  }

  @Override
  public void close() {
    down();
  }

  private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    String path = req.fullPath();
    boolean traces = path.equals("/v0.4/traces");
    return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
      if (traces) {
        if (fail503) {
          refused503.incrementAndGet();
          return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).sendString(Mono.just("agent is unavailable\n")).then();
        }
        count(body);
        return res.status(HttpResponseStatus.OK).header("Content-Type", "application/json").sendByteArray(Mono.just(RATES)).then();
      }
      if (path.equals("/info")) {
        return res.status(HttpResponseStatus.OK).header("Content-Type", "application/json")
            .sendString(Mono.just("{\"version\":\"7.66.1\",\"endpoints\":[\"/v0.4/traces\",\"/v0.6/stats\"]}")).then();
      }
      return res.status(HttpResponseStatus.OK).send().then();
    });
  }

  /** Counts the spans of one v0.4 body by span id. */
  void count(byte[] body) {
    payloads.incrementAndGet();
    bytes.addAndGet(body.length);
    int second = (int) ((System.nanoTime() - clockStartNanos) / 1_000_000_000L);
    byte[] key = new byte[16];
    byte[] raw = new byte[9];
    long n = 0;
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      int traces = u.unpackArrayHeader();
      for (int t = 0; t < traces; t++) {
        int spanCount = u.unpackArrayHeader();
        for (int s = 0; s < spanCount; s++) {
          int keys = u.unpackMapHeader();
          for (int k = 0; k < keys; k++) {
            int len = u.unpackRawStringHeader();
            if (len > key.length) key = new byte[len];
            u.readPayload(key, 0, len);
            if (len == SPAN_ID.length && equals(key, SPAN_ID)) {
              record(readUnsigned(u, raw), second);
              n++;
            } else {
              u.skipValue();
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      malformed.incrementAndGet();
    }
    spans.addAndGet(n);
    if (n > 0 && firstSpanAfterUpNanos == 0) firstSpanAfterUpNanos = System.nanoTime();
    if (second >= 0 && second < perSecond.length()) perSecond.addAndGet(second, n);
  }

  private void record(long spanId, int second) {
    long seq = SpanIds.seq(spanId);
    if (seq <= 0 || seq >= received.capacity()) {
      foreign.incrementAndGet();
    } else if (!received.add(seq)) {
      duplicates.incrementAndGet();
      duplicated.add(seq);
      if (second >= 0 && second < duplicatesPerSecond.length()) duplicatesPerSecond.incrementAndGet(second);
    }
  }

  private static long readUnsigned(MessageUnpacker u, byte[] raw) throws IOException {
    MessageFormat f = u.getNextFormat();
    if (f == MessageFormat.UINT64) {
      u.readPayload(raw, 0, 9); // the 0xcf marker and 8 big-endian bytes
      long v = 0;
      for (int i = 1; i < 9; i++) v = (v << 8) | (raw[i] & 0xff);
      return v;
    }
    return u.unpackLong();
  }

  private static boolean equals(byte[] buf, byte[] key) {
    for (int i = 0; i < key.length; i++) if (buf[i] != key[i]) return false;
    return true;
  }
}
