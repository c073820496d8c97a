package org.xraybridge.receiver;

import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;
import static io.netty.handler.codec.http.HttpMethod.PUT;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.ClientStatsSink;
import org.xraybridge.model.LastError;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.PassThrough;
import org.xraybridge.model.TimeCodec;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A Datadog-Agent-compatible trace receiver: tracers pointed at it ({@code DD_TRACE_AGENT_URL}) talk to
 * it as to an Agent (docs/receiver.md). Built on Reactor Netty's {@link HttpServer} directly, on its own
 * event loops and port, so a body can be refused from its {@code Content-Length} before it is read.
 * This class runs the server and says which path goes where; {@link ConnectionPolicy}
 * bounds connections (count, per address, header and idle timeouts), {@link BodyReader} bodies. Spans are accounted in the {@link Ledger}, requests
 * in the {@link ReceiverMetrics}; nothing here blocks an event loop (the sinks are non-blocking by
 * contract). {@link #start()} and {@link #stop()} are synchronized; everything else is thread-safe.
 */
public final class AgentReceiver implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentReceiver.class);

  private final ReceiverSettings settings;
  private final NativeSink natives;
  private final ClientStatsSink stats;
  private final PassThrough passThrough;
  private final Ledger ledger;
  private final Clock clock;
  private final Outcomes outcomes;
  private final ConnectionPolicy connections;
  private final BodyReader bodies;

  private DisposableServer server;
  private LoopResources loops;
  private Decoding decoding;

  /**
   * @param settings where to listen and what to bound
   * @param natives where decoded chunks go (the merge stage); all or nothing, non-blocking
   * @param stats where {@code /v0.6/stats} bodies go (the forward stage); non-blocking
   * @param passThrough where every other path goes (the pass-through stage), and what {@code /info} is made from
   * @param ledger the drop ledger (spans received, dropped, repairs)
   * @param metrics counts of requests by outcome
   * @param connectionMetrics counts of connections closed or refused by the {@link ConnectionPolicy}
   * @param clock for the status times and the Agent's start-time repair
   */
  public AgentReceiver(
      ReceiverSettings settings, NativeSink natives, ClientStatsSink stats, PassThrough passThrough, Ledger ledger,
      ReceiverMetrics metrics, ConnectionMetrics connectionMetrics, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.natives = Objects.requireNonNull(natives, "natives == null");
    this.stats = Objects.requireNonNull(stats, "stats == null");
    this.passThrough = Objects.requireNonNull(passThrough, "passThrough == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.outcomes = new Outcomes(Objects.requireNonNull(metrics, "metrics == null"), clock);
    this.connections = new ConnectionPolicy(settings.connections(), Objects.requireNonNull(connectionMetrics, "connectionMetrics == null"),
        outcomes::failed);
    this.bodies = new BodyReader(settings, new BodyBudget(settings.maxBufferedBytes()), outcomes);
  }

  /**
   * Binds and starts serving. Fails, naming the address, when the port cannot be bound (a
   * configuration error: the bridge must not start half-deaf).
   */
  public synchronized void start() {
    if (server != null) return;
    int workers = Math.max(2, Runtime.getRuntime().availableProcessors());
    loops = LoopResources.create("bridge-receiver", 1, workers, true);
    decoding = new Decoding(settings.decodeThreads(), () -> TimeCodec.epochNanos(clock), settings.keepBytes());
    Answers answers = new Answers(settings, passThrough);
    Router router = routes(answers, decoding);
    try {
      server = connections.applyTo(HttpServer.create().runOn(loops).host(settings.host()).port(settings.port()))
          .protocol(HttpProtocol.HTTP11)
          .doOnBound(bound -> answers.bound(bound.port()))
          .handle(router::handle)
          .bindNow(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      decoding.close();
      loops.dispose();
      loops = null;
      throw new IllegalStateException(
          "the receiver could not listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    log.info("Datadog Agent-compatible receiver listening on {}:{} (max body {} bytes)",
        settings.host(), server.port(), settings.maxBodyBytes());
  }

  /** Every path the receiver answers itself ({@link InfoDocument} lists them); the rest goes to the pass-through. */
  private Router routes(Answers answers, Decoding decoding) {
    TraceEndpoint traces = new TraceEndpoint(bodies, answers, decoding, natives, ledger, outcomes);
    ReceiverMetrics metrics = outcomes.metrics();
    return new Router(answers, outcomes)
        .exact("/info", (req, res) -> {
          metrics.incrementInfoRequests();
          return answers.drainThen(req, res, () -> answers.sendInfo(res));
        }, GET)
        .exact("/v0.4/traces", traces.handler(TraceEndpoint.Version.V04), PUT, POST)
        .exact("/v0.5/traces", traces.handler(TraceEndpoint.Version.V05), PUT, POST)
        .exact("/v0.3/traces", traces.handler(TraceEndpoint.Version.V03), PUT, POST)
        .exact("/v0.6/stats", new StatsEndpoint(bodies, answers, decoding, stats, outcomes), PUT, POST)
        .fallback(new PassThroughEndpoint(passThrough, answers, settings, outcomes));
  }

  /** Stops accepting, lets requests in progress finish for up to 5 s, and frees the threads. */
  public synchronized void stop() {
    if (server == null) return;
    try {
      server.disposeNow(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.warn("receiver did not stop within 5 s", e);
    }
    server = null;
    decoding.close();
    // no quiet period: the server is already closed, nothing can arrive any more
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(6));
    loops = null;
  }

  @Override
  public void close() {
    stop();
  }

  /** The bound port while running (the real one when configured as 0), else the configured one. */
  public synchronized int port() {
    return server != null ? server.port() : settings.port();
  }

  public ReceiverStatus status() {
    boolean running;
    int port;
    synchronized (this) {
      running = server != null;
      port = running ? server.port() : settings.port();
    }
    LastError error = outcomes.lastError();
    return new ReceiverStatus(running, port, connections.open(), outcomes.lastAcceptedAt(), error.text(), error.at());
  }
}
