package org.xraybridge.forward;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.forward.ForwardSettings.Target;
import org.xraybridge.forward.delivery.Accounting;
import org.xraybridge.forward.delivery.Dispatcher;
import org.xraybridge.forward.delivery.HttpTransport;
import org.xraybridge.forward.delivery.Outbox;
import org.xraybridge.forward.delivery.Payload;
import org.xraybridge.forward.delivery.PayloadKind;
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
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * The forward stage: takes the merge stage's batches and the tracers' client stats, and delivers
 * them to a Datadog Agent (msgpack v0.4) or the Datadog intake (protobuf + gzip, with APM stats) —
 * every span forwarded or counted.
 *
 * <pre>
 *  submit(batch) ─▶ Assembler ─payloads─▶ Outbox (bounded) ─▶ Dispatcher threads ─▶ next hop
 *   (caller's thread: encode,            │ saturated() = full      │ retry, circuit
 *    stats, sample)                      ▼                         ▼
 *                                  overflow: OVERLOADED      Spool (disk, bounded) ─▶ drained when up
 * </pre>
 *
 * <p><b>Threads.</b> {@link #submit} encodes on the caller's thread, under one short lock: CPU only,
 * no I/O, no waiting (a 1,000-span batch is a fraction of a millisecond, see the JMH benchmark), so
 * it is safe from an event loop. gzip, HTTP, backoff sleeps and spool files happen on the
 * dispatcher's own sender threads. One daemon thread ({@code forward-flusher}) sends payloads that
 * reached their flush interval and, in intake mode, closed stats buckets.
 *
 * <p><b>Accounting.</b> Every span handed in ends exactly once as {@code forwarded} (2xx), or {@code
 * dropped(FORWARD, reason)}: {@code SAMPLED_OUT} (intake, priority ≤ 0), {@code OVERSIZED} (a
 * trace larger than a payload), {@code REJECTED} (non-retryable answer), {@code SPOOL_FULL}
 * (undeliverable and no room on disk), {@code OVERLOADED} (the outbox's hard bound, only if the
 * producer ignored {@link #saturated()}), {@code MALFORMED} (an unreadable spool file), {@code
 * SHUTDOWN} (neither sent nor spooled within the stop bound). Until then it is counted in {@link
 * #inFlightSpans()}. Spans found in the spool at start are reported as {@code recovered}.
 *
 * <p><b>Lifecycle.</b> {@link #start()} opens the spool (reporting what it holds), refuses an agent
 * URL that is this bridge's own receiver, and starts the senders. {@link #stop(Duration)} flushes everything open, lets the senders deliver the
 * queue within the bound, spools the rest, and counts what it could do neither with as {@code
 * SHUTDOWN}. A payload whose request was in flight at the bound is spooled: if the hop had in fact
 * taken it, the next run sends it again (at-least-once, like OTel's persistent queue).
 *
 * <p>Thread-safe.
 */
public final class Forwarder implements BatchSink, ClientStatsSink {
  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  private final ForwardSettings settings;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final Accounting accounting;
  private final Redactor redactor;
  private final RateLimitedLog warnings;
  private final Outbox outbox;
  private final Spool spool;
  private final StatsConcentrator stats;
  /** Intake mode only: the Agent's errors sampler (null otherwise: the Agent samples). */
  private final ErrorRescue rescue;
  private final Assembler assembler;
  /** The intake payloads' host name: the setting, else this machine's name. */
  private final String hostname;
  private final Object assemblyLock = new Object();
  private final Object lifecycle = new Object();

  private volatile State state = State.NEW;
  /** After the senders stopped: payloads go straight to the spool. */
  private volatile boolean halted;
  private volatile URI endpoint;
  private Dispatcher dispatcher;
  private ScheduledExecutorService flusher;

  public Forwarder(ForwardSettings settings, Ledger ledger) {
    this(settings, ledger, Clock.systemUTC());
  }

  public Forwarder(ForwardSettings settings, Ledger ledger, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.nanoTime = System::nanoTime;
    this.accounting = new Accounting(ledger);
    this.redactor = new Redactor(settings.apiKey());
    this.warnings = new RateLimitedLog(log, redactor, Duration.ofSeconds(10), nanoTime);
    this.outbox = new Outbox(settings.maxQueueBytes(), settings.maxQueuePayloads(), this::overflow);
    this.spool = new Spool(settings.spoolDir(), settings.spoolMaxBytes(), accounting);
    String agentVersion = "xray-datadog-bridge-" + settings.version();
    this.hostname = settings.hostname().isBlank() ? localHostName() : settings.hostname();
    if (settings.target() == Target.INTAKE) {
      this.stats = new StatsConcentrator(hostname, settings.env(), agentVersion, clock, settings.statsMaxGroups());
      this.rescue = new ErrorRescue(settings.errorsPerSecond(), nanoTime);
      this.assembler = new IntakeAssembler(stats, rescue, settings.intakeFlushBytes(), settings.intakeFlushInterval().toNanos(),
          hostname, settings.env(), agentVersion, this::emit, accounting, warnings, nanoTime);
    } else {
      this.stats = null;
      this.rescue = null;
      this.assembler = new AgentAssembler(settings.maxPayloadBytes(), settings.flushInterval().toNanos(), this::emit,
          accounting, warnings, nanoTime);
    }
  }

  /**
   * Opens the spool and starts the senders.
   *
   * @throws IllegalStateException naming the key when the agent URL is this bridge's own receiver,
   *     the spool directory is unusable or taken, or HTTP client logging would print the API key
   */
  public void start() {
    synchronized (lifecycle) {
      if (state != State.NEW) throw new IllegalStateException("forwarder already started (" + state + ")");
      URI base = switch (settings.target()) {
        case AGENT -> {
          refuseOwnReceiver(settings.agentUrl());
          yield settings.agentUrl();
        }
        case INTAKE -> {
          HttpTransport.checkClientLogging();
          yield settings.intakeUrl();
        }
      };
      endpoint = base;
      accounting.recovered(spool.open());
      HttpTransport transport = new HttpTransport(base, settings.apiKey(), "xray-datadog-bridge/" + settings.version(),
          settings.connectTimeout(), redactor);
      dispatcher = new Dispatcher(policy(), outbox, spool, transport, accounting, redactor, warnings,
          kind -> kind.intake() == (settings.target() == Target.INTAKE), nanoTime, clock);
      dispatcher.start();
      flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forward-flusher");
        t.setDaemon(true);
        return t;
      });
      long tick = Math.max(10, Math.min(1000, tickBase().toMillis() / 4));
      flusher.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
      if (stats != null) {
        long s = settings.statsFlushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flushStats, s, s, TimeUnit.MILLISECONDS);
      }
      state = State.RUNNING;
      log.info("Forwarding to {} ({}); spool {} (max {} bytes)", Redactor.safe(base), settings.target(),
          spool.enabled() ? settings.spoolDir() : "off", settings.spoolMaxBytes());
    }
  }

  @Override
  public boolean saturated() {
    return state != State.RUNNING && state != State.NEW || outbox.saturated();
  }

  /** Takes the batch (never refuses, never throws): see the class comment for what becomes of it. */
  @Override
  public void submit(ChunkBatch batch) {
    List<TraceChunk> chunks = batch.chunks();
    synchronized (assemblyLock) {
      for (int i = 0; i < chunks.size(); i++) {
        TraceChunk c = chunks.get(i);
        accounting.taken(c.size());
        try {
          assembler.add(c);
        } catch (RuntimeException e) {
          // a bug in an encoder must not take the pipeline down: the chunk is dropped and counted
          accounting.dropped(Ledger.Reason.INTERNAL, c.size());
          warnings.warn("encode", "Forward: a trace of " + c.size() + " spans could not be encoded ("
              + redactor.describe(e) + "); dropped (counted as internal)");
          log.debug("encode failure", e);
        }
      }
    }
  }

  /**
   * A tracer's {@code /v0.6/stats} body: passed to an Agent unchanged, or wrapped for the intake
   * with {@code ClientComputed: true}. A body that is not one msgpack map is refused with a log line
   * (it carries no spans, so nothing is counted).
   */
  @Override
  public Admission offer(byte[] clientStatsPayload, TracerInfo tracer) {
    if (saturated()) return Admission.OVERLOADED;
    if (!isOneMap(clientStatsPayload)) {
      warnings.warn("client-stats", "Forward: a /v0.6/stats body of " + clientStatsPayload.length
          + " bytes is not one msgpack map; not forwarded");
      return Admission.ACCEPTED;
    }
    Payload p;
    if (settings.target() == Target.INTAKE) {
      byte[] body = StatsConcentrator.wrapClientStats(clientStatsPayload, hostname, settings.env(),
          "xray-datadog-bridge-" + settings.version());
      p = new Payload(PayloadKind.INTAKE_STATS, body, false, statsHeaders(tracer.language()), 0, new long[0]);
    } else {
      p = new Payload(PayloadKind.AGENT_STATS, clientStatsPayload.clone(), false, AgentAssembler.tracerHeaders(tracer),
          0, new long[0]);
    }
    emit(p);
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
    synchronized (assemblyLock) {
      assembler.flushAll();
    }
    flushStatsAll();
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
    synchronized (assemblyLock) {
      assembler.flushAll(); // a submit that raced the stop: straight to the spool now
    }
    long left = accounting.inFlight();
    spool.close();
    state = State.STOPPED;
    log.info("Forward stopped in {} ms: {} payloads newly spooled, {} spans in the spool for the next start",
        TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - start), Math.max(0, spool.payloads() - spooledBefore), left);
  }

  /** The status for health and the UI; holds no secret. */
  public ForwarderStatus status() {
    Dispatcher d = dispatcher;
    Dispatcher.Status s = d == null
        ? new Dispatcher.Status("CLOSED", 0f, Instant.EPOCH, Instant.EPOCH, "", 0, 0, 0, 0)
        : d.status();
    URI e = endpoint;
    return new ForwarderStatus(
        settings.target().name().toLowerCase(Locale.ROOT),
        state.name(),
        e == null ? "" : Redactor.safe(e),
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
        accounting.forwardedTotal(),
        accounting.droppedTotal(),
        s.payloadsSent(),
        s.payloadsRejected(),
        s.payloadsSpooled(),
        s.sendersBusy(),
        rescue == null ? 0 : rescue.rescued());
  }

  /** Base URL of the next hop (known after {@link #start()}). */
  public URI endpoint() {
    return endpoint;
  }

  public ForwardSettings settings() {
    return settings;
  }

  // ---- test hooks -----------------------------------------------------------------------------

  /** The spool, for tests that look at its files. */
  Spool spool() {
    return spool;
  }

  /**
   * Stops dead, as a killed process would: senders interrupted, nothing flushed or spooled, the
   * spool's lock released (as the OS would). For restart tests.
   */
  void halt() throws InterruptedException {
    synchronized (lifecycle) {
      state = State.STOPPED;
    }
    flusher.shutdownNow();
    halted = true;
    dispatcher.halt(Duration.ofSeconds(2));
    spool.close();
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
      for (byte[] body : stats.flush(false)) emit(statsPayload(body));
    } catch (RuntimeException e) {
      log.warn("Forward: stats flush failed; the buckets stay for the next one", e);
    }
  }

  private void flushStatsAll() {
    if (stats == null) return;
    for (byte[] body : stats.flush(true)) emit(statsPayload(body));
  }

  private Payload statsPayload(byte[] body) {
    return new Payload(PayloadKind.INTAKE_STATS, body, false, statsHeaders(""), 0, new long[0]);
  }

  private static Map<String, String> statsHeaders(String language) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/msgpack");
    h.put("X-Datadog-Reported-Languages", language);
    return h;
  }

  private Duration tickBase() {
    return settings.target() == Target.INTAKE ? settings.intakeFlushInterval() : settings.flushInterval();
  }

  private Dispatcher.Policy policy() {
    return new Dispatcher.Policy(
        settings.senderThreads(),
        settings.retryMaxAttempts(),
        settings.retryInitialBackoff(),
        settings.retryMaxBackoff(),
        settings.retryBudget(),
        settings.requestTimeout(),
        settings.circuitFailureRate(),
        settings.circuitWindow(),
        settings.circuitMinimumCalls(),
        settings.circuitOpenWait(),
        settings.circuitHalfOpenCalls(),
        Duration.ofMillis(50));
  }

  private static String localHostName() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      return name.isBlank() ? "xray-datadog-bridge" : name;
    } catch (UnknownHostException e) {
      return "xray-datadog-bridge";
    }
  }

  private static boolean isOneMap(byte[] body) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      if (!u.hasNext() || !u.getNextFormat().getValueType().isMapType()) return false;
      u.skipValue();
      return !u.hasNext();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * An agent URL that reaches this bridge's own receiver would send every span back in: refused.
   * Same port, and a host that is the receiver's or one of this machine's addresses.
   */
  private void refuseOwnReceiver(URI agentUrl) {
    int port = settings.ownReceiverPort();
    if (port == 0) return;
    int agentPort = agentUrl.getPort() >= 0 ? agentUrl.getPort() : "https".equalsIgnoreCase(agentUrl.getScheme()) ? 443 : 80;
    if (agentPort != port) return;
    String host = agentUrl.getHost();
    boolean local;
    try {
      InetAddress[] addresses = InetAddress.getAllByName(host);
      local = host.equalsIgnoreCase(settings.ownReceiverHost());
      for (InetAddress a : addresses) {
        local |= a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
      }
    } catch (UnknownHostException | SocketException e) {
      local = host.equalsIgnoreCase(settings.ownReceiverHost());
    }
    if (local) {
      throw new IllegalStateException("bridge.forward.agent-url (" + Redactor.safe(agentUrl)
          + ") points at this bridge's own receiver (port " + port + "): every span would loop back in."
          + " Point it at a Datadog Agent, or change bridge.receiver.port");
    }
  }
}
