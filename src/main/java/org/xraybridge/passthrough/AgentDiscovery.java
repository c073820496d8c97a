package org.xraybridge.passthrough;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Agent's own {@code /info}, read every {@code refresh} and kept: what tracers are told the Agent
 * behind the bridge supports (docs/receiver.md, "/info"). Forgotten as soon as the Agent cannot be
 * reached (a read or a relay fails), so tracers are told the bridge's own document and turn those
 * features off; read again at once when a relay gets an answer again. Thread-safe.
 */
final class AgentDiscovery {

  private static final byte[] NONE = new byte[0];
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

  private final HttpRelay http;
  private final URI info;
  private final Duration refresh;
  private final Clock clock;
  private final Consumer<Throwable> failed;
  private final AtomicBoolean reading = new AtomicBoolean();
  private volatile byte[] document = NONE;
  private volatile Instant answeredAt = Instant.EPOCH;
  private Disposable polling;

  AgentDiscovery(HttpRelay http, URI info, Duration refresh, Clock clock, Consumer<Throwable> failed) {
    this.http = http;
    this.info = info;
    this.refresh = refresh;
    this.clock = clock;
    this.failed = failed;
  }

  synchronized void start() {
    if (polling != null) return;
    polling = Flux.interval(Duration.ZERO, refresh).onBackpressureDrop().concatMap(t -> read(), 1).subscribe();
  }

  synchronized void stop() {
    if (polling != null) polling.dispose();
    polling = null;
  }

  /** The Agent's last answer, or empty while it cannot be reached. */
  byte[] document() {
    return document;
  }

  Instant answeredAt() {
    return answeredAt;
  }

  /** A relay could not reach the Agent: tracers get the bridge's own document until it answers again. */
  void unreachable() {
    document = NONE;
  }

  /** A relay got an answer: if the document was forgotten, read it again now rather than at the next refresh. */
  void answered() {
    if (document.length == 0 && polling != null) read().subscribe();
  }

  private Mono<Void> read() {
    if (!reading.compareAndSet(false, true)) return Mono.empty();
    return http.get(info, READ_TIMEOUT)
        .doOnNext(body -> {
          document = body.length == 0 ? NONE : body;
          answeredAt = clock.instant();
        })
        .doOnError(e -> {
          document = NONE;
          failed.accept(e);
        })
        .onErrorResume(e -> Mono.empty())
        .doFinally(s -> reading.set(false))
        .then();
  }
}
