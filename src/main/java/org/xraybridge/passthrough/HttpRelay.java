package org.xraybridge.passthrough;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.xraybridge.model.PassThrough.Head;
import org.xraybridge.model.PassThrough.Header;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * One HTTP exchange with a next hop, streamed both ways on Reactor Netty's client: the request body
 * is written as it arrives and read only as fast as the next hop takes it, the answer's body handed
 * back as it arrives and read only as fast as the tracer takes it, so memory stays bounded by a few
 * buffers per exchange whatever the size. Never blocks; redirects are not followed (an API key never
 * goes to another host). Thread-safe.
 */
final class HttpRelay implements AutoCloseable {

  /** What the caller learns about an exchange besides its head: who ended it, if it did not complete. */
  interface Outcome {
    void answered(int status);

    /** The next hop could not be reached, or failed before it answered. */
    void unreachable(Throwable cause);

    /** The request body failed on the tracer's side (too slow, cut short) before the next hop answered. */
    void bodyFailed(Throwable cause);
  }

  static final Head BAD_GATEWAY = new Head(502, List.of(new Header("Content-Length", "0")));

  private final LoopResources loops;
  private final ConnectionProvider connections;
  private final HttpClient client;
  private final Duration responseTimeout;

  HttpRelay(String name, int maxConnections, Duration responseTimeout) {
    this.responseTimeout = responseTimeout;
    this.loops = LoopResources.create(name, 2, true);
    this.connections = ConnectionProvider.builder(name).maxConnections(maxConnections)
        .pendingAcquireMaxCount(2 * maxConnections).pendingAcquireTimeout(Duration.ofSeconds(5))
        .maxIdleTime(Duration.ofSeconds(30)).build();
    this.client = HttpClient.create(connections).runOn(loops)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
        .followRedirect(false)
        .responseTimeout(responseTimeout);
  }

  /**
   * {@code method} {@code target} with {@code headers} (already end-to-end) and {@code body}; {@code
   * head} gets the answer's status and headers once, before the body's first signal (502 when the
   * next hop cannot be reached, or fails before it answers).
   */
  Flux<ByteBuffer> exchange(String method, URI target, List<Header> headers, boolean hasBody, Flow.Publisher<ByteBuffer> body,
      Consumer<Head> head, Outcome outcome) {
    AtomicBoolean told = new AtomicBoolean();
    AtomicReference<Throwable> bodyError = new AtomicReference<>();
    AtomicReference<Connection> connection = new AtomicReference<>();
    AtomicReference<Throwable> hopStalled = new AtomicReference<>();
    HttpClient c = client.headers(h -> {
      for (Header x : headers) h.add(x.name(), x.value());
    }).doOnRequest((req, conn) -> connection.set(conn));
    HttpClient.RequestSender request = c.request(HttpMethod.valueOf(method)).uri(target.toString());
    // the answer's timeout starts once the body is written: a next hop that stops taking it is caught here,
    // and its connection closed, as the writes queued on it would otherwise wait for it to read again
    Flux<ByteBuf> out = HopStall.watch(
        JdkFlowAdapter.flowPublisherToFlux(body).doOnError(bodyError::set).map(Unpooled::wrappedBuffer), responseTimeout,
        why -> {
          hopStalled.set(why);
          Connection stalled = connection.get();
          if (stalled != null) stalled.channel().close();
        });
    // without a body nothing is written: the receiver's server discards the (empty) inbound itself
    HttpClient.ResponseReceiver<?> sent = hasBody ? request.send((req, outbound) -> outbound.send(out)) : request;
    return sent.response((res, in) -> {
          told.set(true);
          outcome.answered(res.status().code());
          head.accept(headOf(res));
          return in.map(b -> ByteBuffer.wrap(ByteBufUtil.getBytes(b)));
        })
        .onErrorResume(e -> {
          if (!told.compareAndSet(false, true)) return Flux.error(e); // cut short after the head: the receiver closes
          // the tracer's failure is not the next hop's: it must not make the Agent look down
          if (bodyError.get() != null) outcome.bodyFailed(bodyError.get());
          else outcome.unreachable(hopStalled.get() != null ? hopStalled.get() : e); // the stall, not the close it caused
          head.accept(BAD_GATEWAY);
          return Flux.empty();
        });
  }

  private static Head headOf(HttpClientResponse res) {
    List<Header> all = new ArrayList<>();
    for (Map.Entry<String, String> e : res.responseHeaders()) all.add(new Header(e.getKey(), e.getValue()));
    return new Head(res.status().code(), Headers.endToEnd(all, java.util.Set.of()));
  }

  /** GET {@code target}; the body when the answer is 2xx, else an error. */
  Mono<byte[]> get(URI target, Duration timeout) {
    return client.get().uri(target.toString())
        .responseSingle((res, body) -> res.status().code() / 100 == 2
            ? body.asByteArray().defaultIfEmpty(new byte[0])
            : Mono.error(new IllegalStateException("answered " + res.status().code())))
        .timeout(timeout);
  }

  @Override
  public void close() {
    connections.disposeLater().block(Duration.ofSeconds(5));
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(6));
  }
}
