package org.xraybridge.source.xray;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRaySink;
import org.xraybridge.source.poll.CheckpointException;
import org.xraybridge.source.poll.CheckpointStore;
import org.xraybridge.source.poll.CheckpointWriter;
import org.xraybridge.source.poll.PollCursor;
import org.xraybridge.source.poll.PollLoop;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.source.poll.PolledSource;
import org.xraybridge.source.xray.XRaySourceStatus.State;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsAsyncClient;
import software.amazon.awssdk.services.sts.model.StsException;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.GetTraceSegmentDestinationResponse;

/**
 * One X-Ray source — an account and region read through one client — polled window by window; every
 * segment document is handed on exactly once, as converted traces. Each tick reads the window
 * {@link PollCursor} gives by the source's path ({@link DestinationWatch} picks it: the X-Ray API
 * ({@link WindowFetch}), or for Transaction Search {@code aws/spans} ({@link LogsWindowFetch}) or the
 * indexed traces ({@link RetrievalWindowFetch})); the cursor moves to the window's end only when every
 * trace of it was handed on, so a failed call, an open circuit or a full sink leaves it where it was
 * and the next tick reads the same window again. The cursor and the delivered set are checkpointed
 * after every tick, every {@code checkpointInterval} during a long one, and at {@link #stop()}: a
 * graceful stop re-sends nothing; a crash re-sends at most what was handed on since the last
 * checkpoint. docs/xray-source.md has the reasons.
 *
 * <p>Threads: API calls on the SDK's async threads, hand-off under the {@link XRayPollState} lock
 * (short, in memory), checkpoint writes on a thread that may block. {@link #open()}, {@link #start()}
 * and {@link #stop()} do file I/O and are for a lifecycle thread, never an event loop.
 */
public final class XRayPoller implements PolledSource, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XRayPoller.class);

  private final XRaySourceSettings settings;
  private final CheckpointStore<XRayCheckpoint> store;
  private final XRaySourceMetrics metrics;
  private final Clock clock;
  private final XRayApi api;
  private final XRayPollState state;
  private final CheckpointWriter<XRayCheckpoint> checkpoints;
  private final WindowFetch fetch;
  private final LogsApi logsApi; // null without a CloudWatch Logs client
  private final LogsWindowFetch logsFetch; // null without a CloudWatch Logs client
  private final RetrievalWindowFetch retrievalFetch;
  private final DestinationWatch destination;
  private final AtomicReference<Activity> activity = new AtomicReference<>(Activity.NEW);
  private final AtomicBoolean polling = new AtomicBoolean();
  private PollLoop loop; // guarded by this

  /**
   * @param client the X-Ray async client, normally from {@link XRayClients#create}; not closed here
   * @param store where the source's checkpoint is kept
   * @param converter segment documents of one trace → spans (counts its own rejections in the ledger)
   * @param sink where converted traces go; OVERLOADED holds the cursor
   * @param ledger where unprocessed traces are counted (spans are counted received by the sink)
   * @param metrics this source's counters
   * @param clock wall clock for windows, cursor and status
   */
  public XRayPoller(
      XRaySourceSettings settings,
      XRayAsyncClient client,
      CheckpointStore<XRayCheckpoint> store,
      TraceConverter converter,
      XRaySink sink,
      Ledger ledger,
      XRaySourceMetrics metrics,
      Clock clock) {
    this(settings, client, Optional.empty(), store, converter, converter, sink, ledger, metrics, clock);
  }

  /**
   * A source that can also read Transaction Search accounts.
   *
   * @param logs the CloudWatch Logs client of the logs path (not closed here); without one a CloudWatch
   *     Logs destination is a warning, as with {@code transaction-search=off}
   * @param converter segment documents of one trace → spans (the X-Ray and retrieval paths)
   * @param spanRecords {@code aws/spans} records of one trace → spans (the logs path)
   */
  public XRayPoller(
      XRaySourceSettings settings,
      XRayAsyncClient client,
      Optional<CloudWatchLogsAsyncClient> logs,
      CheckpointStore<XRayCheckpoint> store,
      TraceConverter converter,
      TraceConverter spanRecords,
      XRaySink sink,
      Ledger ledger,
      XRaySourceMetrics metrics,
      Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.store = Objects.requireNonNull(store, "store == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.api = new XRayApi(Objects.requireNonNull(client, "client == null"), settings, metrics);
    XRaySourceSettings.Tuning tuning = settings.tuning();
    Objects.requireNonNull(ledger, "ledger == null");
    PollCursor cursor = new PollCursor(settings.timing());
    this.state = new XRayPollState(
        cursor,
        new DeliveredSegments(tuning.deliveredTtl(), tuning.maxTrackedIds(), cursor::cursor, cursor::readingTo,
            metrics::deliveredEvicted),
        new HeldEvents(settings.search().tuning().maxHeldEvents(), settings.search().tuning().maxHeldChars(), () -> {
          // the bound of held records was reached: the oldest is given up, and counted
          ledger.documentRejected(Half.XRAY_LOGS, Ledger.DocumentReason.EVICTED);
          metrics.deliveredEvicted();
        }));
    this.checkpoints = new CheckpointWriter<>(
        store, () -> state.snapshot(settings.name(), clock.instant()), tuning.checkpointInterval(), metrics::checkpointWritten);
    SourceContext source = new SourceContext(settings, state, checkpoints, ledger, metrics);
    Objects.requireNonNull(sink, "sink == null");
    TraceDelivery delivery = new TraceDelivery(new Handover(Objects.requireNonNull(converter, "converter == null"), sink, metrics), metrics);
    this.fetch = new WindowFetch(source, api, delivery);
    this.retrievalFetch = new RetrievalWindowFetch(source, api, delivery);
    if (logs.isPresent()) {
      this.logsApi = new LogsApi(logs.get(), settings, metrics);
      Handover records = new Handover(Objects.requireNonNull(spanRecords, "spanRecords == null"), sink, metrics);
      this.logsFetch = new LogsWindowFetch(source, logsApi, new RecordDelivery(records, metrics));
    } else {
      this.logsApi = null;
      this.logsFetch = null;
    }
    this.destination = new DestinationWatch(settings.search().mode(), logs.isPresent(), settings.search().tuning().destinationRecheck());
    metrics.levels(this::status);
  }

  @Override
  public String name() {
    return settings.name();
  }

  /**
   * {@link #open()}, then a poll every {@code pollInterval}, starting now.
   *
   * @throws CheckpointException when the checkpoint is corrupt or cannot be written
   * @throws IllegalStateException when started twice
   */
  public synchronized void start() {
    open();
    loop = PollLoop.start(this, settings.timing().pollInterval(), this::skipped);
  }

  /**
   * Loads the checkpoint, or, when there is none, starts with the cursor at {@code now − lag −
   * pollInterval} and writes one at once (a crash before the first tick then resumes without a gap).
   * The first tick asks X-Ray where segments go.
   */
  @Override
  public synchronized void open() {
    if (activity.get().state() != State.NEW) throw new IllegalStateException("an X-Ray source can be started once");
    Instant now = now();
    Optional<XRayCheckpoint> saved = store.load();
    store.checkWritable();
    if (saved.isPresent()) {
      resume(saved.get(), now);
    } else {
      state.startAt(now);
      log.info("No X-Ray checkpoint at {}: polling starts with the window [{}, now − lag)", store.location(), state.cursor.windowStart());
      checkpoints.writeOrThrow();
    }
    update(a -> a.state(State.RUNNING));
  }

  private void resume(XRayCheckpoint saved, Instant now) {
    if (!saved.source().isEmpty() && !saved.source().equals(name())) {
      // two sources must never share a cursor: one would skip what the other read
      throw new CheckpointException("The checkpoint at " + store.location() + " belongs to X-Ray source '" + saved.source()
          + "', not to '" + name() + "'. Give each source its own checkpoint (bridge.xray.checkpoint-file)", null);
    }
    state.resume(saved);
    log.info("X-Ray source {} resumes from {}: cursor {} of the {} path, {} traces remembered",
        name(), store.location(), saved.cursor(), saved.path().tag(), state.delivered.traceCount());
    if (saved.cursor().isAfter(now)) {
      log.warn("X-Ray checkpoint cursor {} is after the clock ({}): the clock went back since it was written;"
          + " the source rewinds to now − lag rather than wait", saved.cursor(), now);
    }
  }

  @Override
  public Mono<PollOutcome> poll() {
    return Mono.defer(
        () -> {
          if (activity.get().state() != State.RUNNING || state.stopped()) return Mono.just(PollOutcome.SKIPPED);
          if (!polling.compareAndSet(false, true)) {
            skipped();
            return Mono.just(PollOutcome.SKIPPED);
          }
          // released before the outcome is emitted, so a caller that saw it can poll again at once
          return tick()
              .doOnNext(outcome -> polling.set(false))
              .doOnError(e -> polling.set(false))
              .doOnCancel(() -> polling.set(false));
        });
  }

  /** Stops polling: cancels a running poll (what it handed on stays marked), then writes the final checkpoint. */
  @Override
  public synchronized void stop() {
    if (activity.get().state() != State.RUNNING) {
      update(a -> a.state(State.STOPPED));
      return;
    }
    state.stop(); // from here on nothing is handed on, so the checkpoint below is final
    if (loop != null) loop.stop();
    update(a -> a.state(State.STOPPED));
    checkpoints.close();
    log.info("X-Ray source {} stopped; cursor {} checkpointed to {}", name(), state.cursor.cursor(), store.location());
  }

  /** Stops polling and writes nothing more: the checkpoint stays what was last written (kafka mode: the source moved). */
  @Override
  public synchronized void abandon() {
    checkpoints.abandon(); // first: a write in flight from here on is refused
    if (activity.get().state() == State.RUNNING) {
      state.stop();
      if (loop != null) loop.stop();
      log.warn("X-Ray source {} abandoned without a final checkpoint (it moved to another replica); the last one written"
          + " stays at {}", name(), store.location());
    }
    update(a -> a.state(State.STOPPED));
  }

  @Override
  public void close() {
    stop();
  }

  /** The status health and the UI read. Cheap; never calls AWS. */
  public XRaySourceStatus status() {
    Activity a = activity.get();
    CheckpointWriter.Status c = checkpoints.status();
    SourcePath path = state.path();
    DestinationWatch.View d = destination.view();
    boolean logs = path == SourcePath.LOGS && logsApi != null;
    return new XRaySourceStatus(
        name(), settings.account(), settings.region(), a.state(), path.tag(), a.lastSuccess(), state.cursor.cursor(),
        state.cursor.lag(clock.instant()), a.lastOutcome(), a.lastPollAt(), a.windowStart(), a.windowEnd(),
        api.guard().throttlesLastMinute() + (logsApi == null ? 0 : logsApi.guard().throttlesLastMinute()),
        (logs ? logsApi.guard() : api.guard()).circuitState(), d.destination(), d.status(), d.switches(), d.lastSwitchAt(),
        d.lastSwitch(), destination.warning(path), a.lastError(), a.failuresInARow(), state.delivered.heldCount(),
        state.heldEvents.size(), state.delivered.traceCount(), a.backPressured(), store.location(), c.lastWritten(), c.error());
  }

  // ---- one tick ----

  private Mono<PollOutcome> tick() {
    return pathFor(now()).flatMap(this::tick);
  }

  private Mono<PollOutcome> tick(SourcePath path) {
    PollCursor.Next next = state.next(now());
    if (next instanceof PollCursor.Behind behind) return Mono.just(clockBehind(behind));
    PollCursor.Window window = (PollCursor.Window) next;
    update(a -> a.polling(window.now(), window.from(), window.to()));
    long started = System.nanoTime();
    return read(path, window)
        .map(this::completed)
        .onErrorResume(e -> Mono.just(failed(window, e)))
        .flatMap(outcome -> checkpoints.writeAsync().thenReturn(outcome))
        .doOnNext(
            outcome -> {
              metrics.pollDuration(System.nanoTime() - started);
              metrics.poll(outcome);
              update(a -> a.outcome(outcome));
            });
  }

  /** Reads the window by {@code path}; completes with what was read of it. */
  private Mono<Reached> read(SourcePath path, PollCursor.Window window) {
    return switch (path) {
      case XRAY -> fetch.read(window).thenReturn(new Reached(window, true));
      case LOGS -> logsFetch.read(window);
      case RETRIEVAL -> retrievalFetch.read(window);
    };
  }

  /**
   * The path to read by at {@code now}: the destination is asked again when due (one attempt; a
   * failure keeps the path), and a change of path is made here, between two ticks.
   */
  private Mono<SourcePath> pathFor(Instant now) {
    if (!destination.due(now)) return Mono.just(choosePath(now));
    return api.getTraceSegmentDestination()
        .map(r -> {
          onDestination(r, now);
          return choosePath(now);
        })
        .onErrorResume(e -> {
          onDestinationFailure(e, now);
          return Mono.just(choosePath(now));
        });
  }

  private SourcePath choosePath(Instant now) {
    SourcePath current = state.path();
    SourcePath next = destination.decide(current);
    if (next == current) return current;
    state.switchTo(next);
    destination.switched(now, current, next);
    metrics.pathSwitched(current.tag(), next.tag());
    DestinationWatch.View d = destination.view();
    log.warn("X-Ray source {} switches path: {}. Its first window starts at {} (the cursor minus the overlap); what the"
        + " {} path delivered is not sent again", name(), d.lastSwitch(), state.cursor.windowStart(), current.tag());
    return next;
  }

  private PollOutcome completed(Reached reached) {
    PollCursor.Window window = reached.window();
    if (reached.complete()) state.completed(window);
    else state.checkRunningLocked();
    update(a -> a.polling(window.now(), window.from(), window.to()).completed(window.now()));
    return reached.complete() ? PollOutcome.COMPLETED : PollOutcome.PARTIAL;
  }

  private PollOutcome failed(PollCursor.Window w, Throwable e) {
    if (e == TickAborted.OVERLOADED) {
      update(a -> a.overloaded("the pipeline is full (sink OVERLOADED): the cursor holds and the window is polled again"));
      log.info("X-Ray poll paused by back-pressure; window [{}, {}) is polled again next tick", w.from(), w.to());
      return PollOutcome.OVERLOADED;
    }
    if (e == TickAborted.STOPPED) return PollOutcome.SKIPPED;
    if (e instanceof SummaryScan.TooManyPages) {
      // the same window would fail again (and grow): read the backlog in shorter windows instead
      Duration limit = state.cursor.narrow(w);
      log.warn("X-Ray window [{}, {}) holds more summaries than one tick reads ({}); the next windows span at most {}"
          + " until they fit again", w.from(), w.to(), e.getMessage(), limit);
    }
    String error = describe(e);
    update(a -> a.failed(error));
    log.warn("X-Ray poll of window [{}, {}) failed; the cursor holds: {}", w.from(), w.to(), error);
    return PollOutcome.FAILED;
  }

  private PollOutcome clockBehind(PollCursor.Behind b) {
    String error = "";
    if (b.rewound()) {
      log.warn("The clock is {} behind the X-Ray poll cursor {} (now − lag = {}): it went back. Rewinding the cursor"
          + " to now − lag; what is re-read is de-duplicated", b.behind(), b.cursor(), b.end());
      error = "the clock went back by " + b.behind() + "; cursor rewound to " + b.end();
    }
    String e = error;
    update(a -> a.clockBehind(b.now(), e));
    metrics.poll(PollOutcome.CLOCK_BEHIND);
    return PollOutcome.CLOCK_BEHIND;
  }

  private void skipped() {
    metrics.poll(PollOutcome.SKIPPED);
    log.debug("X-Ray poll tick skipped: the previous poll is still running");
  }

  // ---- the segment destination ----

  private void onDestination(GetTraceSegmentDestinationResponse r, Instant now) {
    String before = destination.view().destination() + " " + destination.view().status();
    destination.checked(now, r.destinationAsString(), r.statusAsString());
    DestinationWatch.View d = destination.view();
    if (before.equals(d.destination() + " " + d.status())) return;
    String warning = destination.warning(destination.decide(state.path()));
    if (!warning.isEmpty()) log.error("X-Ray source {}: {}", name(), warning);
    else log.info("X-Ray source {}: trace segment destination {} ({})", name(), d.destination(), d.status());
  }

  private void onDestinationFailure(Throwable e, Instant now) {
    destination.failed(now);
    log.warn("X-Ray source {} could not read its trace segment destination (GetTraceSegmentDestination: {}); it keeps reading"
        + " by the {} path and asks again later", name(), describe(e), state.path().tag());
  }

  // ---- helpers ----

  private void update(UnaryOperator<Activity> change) {
    activity.updateAndGet(change);
  }

  private Instant now() {
    // the SDK sends window bounds with millisecond precision; keep the cursor on the same grid
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private String describe(Throwable e) {
    AwsServiceException service = XRayApi.serviceCause(e);
    if (service instanceof StsException sts) {
      // the role cannot be assumed: say which, and what STS said (its message names no credential)
      String code = sts.awsErrorDetails() == null ? "" : sts.awsErrorDetails().errorCode();
      return "AssumeRole of " + settings.role().arn() + " failed (" + code + ", HTTP " + sts.statusCode() + "): "
          + (sts.awsErrorDetails() == null ? sts.getMessage() : sts.awsErrorDetails().errorMessage());
    }
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
