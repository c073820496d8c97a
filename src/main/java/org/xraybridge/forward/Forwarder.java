package org.xraybridge.forward;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.forward.ForwardSettings.Target;
import org.xraybridge.forward.delivery.Accounting;
import org.xraybridge.forward.delivery.Dispatcher;
import org.xraybridge.forward.delivery.HttpTransport;
import org.xraybridge.forward.delivery.Outbox;
import org.xraybridge.forward.delivery.Payload;
import org.xraybridge.forward.delivery.RateLimitedLog;
import org.xraybridge.forward.delivery.Redactor;
import org.xraybridge.forward.delivery.Spool;
import org.xraybridge.forward.intake.ErrorRescue;
import org.xraybridge.forward.intake.StatsConcentrator;
import org.xraybridge.model.Admission;
import org.xraybridge.model.BatchSink;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.ClientStatsSink;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Receipt;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * The forward stage: takes the merge stage's batches and the tracers' client stats, and delivers
 * them to a Datadog Agent (msgpack v0.4) or the Datadog intake (protobuf + gzip, with APM stats) —
 * every span forwarded or dropped with a reason, exactly once (docs/forward.md).
 *
 * <pre>
 *  submit(batch) ─▶ Assembler ─payloads─▶ Outbox (bounded) ─▶ Dispatcher threads ─▶ next hop
 *   (caller's thread: encode,            │ saturated() = full      │ retry, circuit
 *    stats, sample)                      ▼                         ▼
 *                                  overflow: OVERLOADED      Spool (disk, bounded) ─▶ drained when up
 * </pre>
 *
 * <p><b>Threads.</b> {@link #submit} encodes on the caller's thread under one short lock, CPU only,
 * so it is safe from an event loop; gzip, HTTP, backoff sleeps and spool files happen on the
 * dispatcher's sender threads. One daemon thread ({@code forward-flusher}) sends payloads that
 * reached their flush interval and, in intake mode, closed stats buckets.
 *
 * <p><b>Stop.</b> {@link #stop(Duration)} flushes, lets the senders deliver within the bound,
 * spools the rest and counts what it could do neither with as {@code SHUTDOWN}. A payload whose
 * request was in flight at the bound is spooled and sent again by the next run (at-least-once).
 *
 * <p>Thread-safe.
 */
public final class Forwarder implements BatchSink, ClientStatsSink {
  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);
  /** This bridge's version, in {@code User-Agent} and the intake payloads' agent version. */
  private static final String VERSION = "0.1.0";
  private static final String AGENT_VERSION = "xray-datadog-bridge-" + VERSION;

  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  private final ForwardSettings settings;
  private final Clock clock;
  private final LongSupplier nanoTime = System::nanoTime;
  private final Accounting accounting;
  private final ForwardMetrics metrics;
  private final Redactor redactor;
  private final RateLimitedLog warnings;
  private final Outbox outbox;
  private final Spool spool;
  private final StatsPayloads stats;
  private final Assembler assembler;
  private final Duration flushInterval;
  private final Object assemblyLock = new Object();
  private final Object lifecycle = new Object();

  private volatile State state = State.NEW;
  /** After the senders stopped: payloads go straight to the spool. */
  private volatile boolean halted;
  private Dispatcher dispatcher;
  private ScheduledExecutorService flusher;

  public Forwarder(ForwardSettings settings, Ledger ledger, ForwardMetrics metrics, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.accounting = new Accounting(ledger);
    this.metrics = metrics;
    this.redactor = new Redactor(settings.apiKey());
    this.warnings = new RateLimitedLog(log, redactor, Duration.ofSeconds(10), nanoTime);
    this.outbox = new Outbox(settings.maxQueueBytes(), settings.tuning().maxQueuePayloads(), this::overflow);
    this.spool = new Spool(settings.spoolDir(), settings.spoolMaxBytes(), accounting);
    if (settings.target() == Target.INTAKE) {
      String hostname = settings.hostname().isBlank() ? localHostName() : settings.hostname();
      StatsConcentrator concentrator = new StatsConcentrator(hostname, settings.env(), AGENT_VERSION, clock, StatsPayloads.MAX_GROUPS);
      this.stats = StatsPayloads.forIntake(concentrator, hostname, settings.env(), AGENT_VERSION);
      this.assembler = new IntakeAssembler(concentrator, new ErrorRescue(settings.errorsPerSecond(), nanoTime), hostname,
          settings.env(), AGENT_VERSION, this::emit, accounting, metrics, warnings, nanoTime);
      this.flushInterval = IntakeAssembler.FLUSH_INTERVAL;
    } else {
      this.stats = StatsPayloads.forAgent();
      this.assembler = new AgentAssembler(settings.maxPayloadBytes(), settings.tuning().flushInterval().toNanos(), this::emit,
          accounting, warnings, nanoTime);
      this.flushInterval = settings.tuning().flushInterval();
    }
  }

  /**
   * Opens the spool (reporting the spans it holds as recovered) and starts the senders.
   *
   * @throws IllegalStateException naming the key when the agent URL is this bridge's own receiver,
   *     the spool directory is unusable or taken, or HTTP client logging would print the API key
   */
  public void start() {
    synchronized (lifecycle) {
      if (state != State.NEW) throw new IllegalStateException("forwarder already started (" + state + ")");
      if (settings.target() == Target.AGENT) {
        OwnReceiverCheck.refuse(settings.url(), settings.ownReceiverHost(), settings.ownReceiverPort());
      } else {
        HttpTransport.checkClientLogging();
      }
      accounting.recovered(spool.open());
      HttpTransport transport = new HttpTransport(settings.url(), settings.apiKey(), "xray-datadog-bridge/" + VERSION,
          settings.tuning().connectTimeout(), redactor);
      dispatcher = new Dispatcher(settings.tuning(), settings.retryBudget(), outbox, spool, transport, accounting, metrics,
          redactor, warnings, kind -> kind.intake() == (settings.target() == Target.INTAKE), settings.holdUndelivered(), nanoTime,
          clock);
      dispatcher.start();
      flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forward-flusher");
        t.setDaemon(true);
        return t;
      });
      long tick = Math.max(10, Math.min(1000, flushInterval.toMillis() / 4));
      flusher.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
      if (stats.computesStats()) {
        long s = StatsPayloads.FLUSH_INTERVAL.toMillis();
        flusher.scheduleWithFixedDelay(this::flushStats, s, s, TimeUnit.MILLISECONDS);
      }
      state = State.RUNNING;
      log.info("Forwarding to {} ({}); spool {} (max {} bytes)", Redactor.safe(settings.url()), settings.target(),
          spool.enabled() ? settings.spoolDir() : "off", settings.spoolMaxBytes());
    }
  }

  @Override
  public boolean saturated() {
    return state != State.RUNNING && state != State.NEW || outbox.saturated();
  }

  /**
   * Takes the batch (never refuses, never throws). Each span ends forwarded or dropped with a
   * reason; until then it is counted in {@link #inFlightSpans()}.
   */
  @Override
  public void submit(ChunkBatch batch) {
    List<TraceChunk> chunks = batch.chunks();
    Receipt receipt = batch.receipt();
    synchronized (assemblyLock) {
      for (int i = 0; i < chunks.size(); i++) {
        TraceChunk c = chunks.get(i);
        accounting.taken(c.size());
        try {
          assembler.add(c, receipt);
        } catch (RuntimeException e) {
          // a bug in an encoder must not take the pipeline down: the chunk is dropped and counted
          accounting.dropped(Ledger.Reason.INTERNAL, c.size());
          receipt.settled(c.size());
          warnings.warn("encode", "Forward: a trace of " + c.size() + " spans could not be encoded ("
              + redactor.describe(e) + "); dropped (counted as internal)");
          log.debug("encode failure", e);
        }
      }
    }
  }

  /**
   * A tracer's {@code /v0.6/stats} body, as the receiver checked it (one msgpack map): passed to an
   * Agent unchanged, or wrapped for the intake with {@code ClientComputed: true}.
   */
  @Override
  public Admission offer(byte[] clientStatsPayload, TracerInfo tracer) {
    if (saturated()) return Admission.OVERLOADED;
    emit(stats.clientStats(clientStatsPayload, tracer));
    return Admission.ACCEPTED;
  }

  /** Sends every open payload now (normally they wait for their size or flush interval). */
  public void flush() {
    synchronized (assemblyLock) {
      assembler.flushAll();
    }
  }

  /** Spans taken in and not yet forwarded or dropped: assembler, queue, senders and spool. */
  public long inFlightSpans() {
    return accounting.inFlight();
  }

  /**
   * Stops within {@code bound}: flushes open payloads and stats, lets the senders deliver the queue,
   * spools what is left, counts what could be neither sent nor spooled as {@code SHUTDOWN}.
   */
  public void stop(Duration bound) {
    synchronized (lifecycle) {
      if (state == State.NEW) {
        state = State.STOPPED;
        return;
      }
      if (state != State.RUNNING) return;
      state = State.STOPPING;
    }
    long start = nanoTime.getAsLong();
    long deadline = start + Math.max(0, bound.toNanos());
    long reserve = Math.min(bound.toNanos() / 5, Duration.ofMillis(500).toNanos());
    flusher.shutdownNow();
    flush();
    for (Payload p : stats.closedBuckets(true)) emit(p);
    long spooledBefore = spool.payloads();
    try {
      dispatcher.drain(deadline - reserve);
      List<Payload> held = dispatcher.halt(Duration.ofNanos(Math.max(0, deadline - nanoTime.getAsLong())));
      halted = true;
      for (Payload p : held) spool.put(p, Ledger.Reason.SHUTDOWN);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      halted = true;
    }
    for (Payload p : outbox.drain()) spool.put(p, Ledger.Reason.SHUTDOWN);
    flush(); // a submit that raced the stop: straight to the spool now
    long left = accounting.inFlight();
    spool.close();
    state = State.STOPPED;
    log.info("Forward stopped in {} ms: {} payloads newly spooled, {} spans in the spool for the next start",
        TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - start), Math.max(0, spool.payloads() - spooledBefore), left);
  }

  /** The state for health and the UI; holds no secret. */
  public ForwarderStatus status() {
    Dispatcher d = dispatcher;
    Dispatcher.Status s = d == null ? Dispatcher.Status.CLOSED : d.status();
    return new ForwarderStatus(
        settings.target().name().toLowerCase(Locale.ROOT),
        state.name(),
        state == State.NEW ? "" : Redactor.safe(settings.url()),
        s.circuitState(),
        s.failureRatePercent(),
        s.lastSuccessAt(),
        s.lastFailureAt(),
        s.lastFailure(),
        outbox.payloads(),
        outbox.bytes(),
        outbox.saturated(),
        spool.payloads(),
        spool.bytes(),
        spool.spans(),
        accounting.inFlight(),
        s.sendersBusy());
  }

  /** Base URL of the next hop. */
  public URI endpoint() {
    return settings.url();
  }

  // ---- internals --------------------------------------------------------------------------------

  private void emit(Payload p) {
    if (halted) {
      spool.put(p, Ledger.Reason.SHUTDOWN);
    } else {
      outbox.offer(p);
    }
  }

  private void overflow(Payload p) {
    accounting.dropped(Ledger.Reason.OVERLOADED, p.spanCount());
    p.receipts().abandoned();
    warnings.warn("overflow", "Forward: the queue passed twice its bound (the producer did not check saturated());"
        + " the oldest payload of " + p.spanCount() + " spans was dropped (counted as overloaded)");
  }

  private void tick() {
    try {
      synchronized (assemblyLock) {
        assembler.flushDue(nanoTime.getAsLong());
      }
    } catch (RuntimeException e) {
      log.warn("Forward: flush tick failed; the next one tries again", e);
    }
  }

  private void flushStats() {
    try {
      for (Payload p : stats.closedBuckets(false)) emit(p);
    } catch (RuntimeException e) {
      log.warn("Forward: stats flush failed; the buckets stay for the next one", e);
    }
  }

  private static String localHostName() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      return name.isBlank() ? "xray-datadog-bridge" : name;
    } catch (UnknownHostException e) {
      return "xray-datadog-bridge";
    }
  }
}
