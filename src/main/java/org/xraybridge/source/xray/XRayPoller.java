package org.xraybridge.source.xray;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sts.model.StsException;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.GetTraceSegmentDestinationResponse;
import software.amazon.awssdk.services.xray.model.TraceSegmentDestination;

/**
 * One X-Ray source — an account and region read through one client — polled window by window; every
 * segment document is handed on exactly once, as converted traces. Each tick reads the window
 * {@link PollCursor} gives ({@link WindowFetch}); the cursor moves to the window's end only when every
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
  private final AtomicReference<Activity> activity = new AtomicReference<>(Activity.NEW);
  private final AtomicBoolean polling = new AtomicBoolean();
  private PollLoop loop; // guarded by this
  private Disposable destinationProbe; // guarded by this

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
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.store = Objects.requireNonNull(store, "store == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.api = new XRayApi(Objects.requireNonNull(client, "client == null"), settings, metrics);
    XRaySourceSettings.Tuning tuning = settings.tuning();
    this.state = new XRayPollState(
        new PollCursor(settings.timing()),
        new DeliveredSegments(tuning.deliveredTtl(), tuning.maxTrackedIds(), metrics::deliveredEvicted));
    this.checkpoints = new CheckpointWriter<>(
        store, () -> state.snapshot(settings.name(), clock.instant()), tuning.checkpointInterval(), metrics::checkpointWritten);
    TraceDelivery delivery = new TraceDelivery(
        Objects.requireNonNull(converter, "converter == null"), Objects.requireNonNull(sink, "sink == null"), metrics);
    this.fetch = new WindowFetch(settings, api, state, delivery, checkpoints, Objects.requireNonNull(ledger, "ledger == null"), metrics);
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
   * pollInterval} and writes one at once (a crash before the first tick then resumes without a gap);
   * then asks X-Ray where segments go.
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
    destinationProbe = api.getTraceSegmentDestination().subscribe(this::onDestination, this::onDestinationFailure);
  }

  private void resume(XRayCheckpoint saved, Instant now) {
    if (!saved.source().isEmpty() && !saved.source().equals(name())) {
      // two sources must never share a cursor: one would skip what the other read
      throw new CheckpointException("The checkpoint at " + store.location() + " belongs to X-Ray source '" + saved.source()
          + "', not to '" + name() + "'. Give each source its own checkpoint (bridge.xray.checkpoint-file)", null);
    }
    state.resume(saved, now);
    log.info("X-Ray source {} resumes from {}: cursor {}, {} traces remembered",
        name(), store.location(), saved.cursor(), state.delivered.traceCount());
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
    if (destinationProbe != null) destinationProbe.dispose();
    update(a -> a.state(State.STOPPED));
    checkpoints.close();
    log.info("X-Ray source {} stopped; cursor {} checkpointed to {}", name(), state.cursor.cursor(), store.location());
  }

  @Override
  public void close() {
    stop();
  }

  /** The status health and the UI read. Cheap; never calls AWS. */
  public XRaySourceStatus status() {
    Activity a = activity.get();
    CheckpointWriter.Status c = checkpoints.status();
    return new XRaySourceStatus(
        name(), settings.account(), settings.region(), a.state(), a.lastSuccess(), state.cursor.cursor(),
        state.cursor.lag(clock.instant()), a.lastOutcome(), a.lastPollAt(), a.windowStart(), a.windowEnd(),
        api.throttlesLastMinute(), api.circuitState(), a.destination(), a.warning(), a.lastError(), a.failuresInARow(),
        state.delivered.heldCount(), state.delivered.traceCount(), a.backPressured(), store.location(), c.lastWritten(),
        c.error());
  }

  // ---- one tick ----

  private Mono<PollOutcome> tick() {
    PollCursor.Next next = state.next(now());
    if (next instanceof PollCursor.Behind behind) return Mono.just(clockBehind(behind));
    PollCursor.Window window = (PollCursor.Window) next;
    update(a -> a.polling(window.now(), window.from(), window.to()));
    long started = System.nanoTime();
    return fetch.read(window)
        .then(Mono.fromCallable(() -> completed(window)))
        .onErrorResume(e -> Mono.just(failed(window, e)))
        .flatMap(outcome -> checkpoints.writeAsync().thenReturn(outcome))
        .doOnNext(
            outcome -> {
              metrics.pollDuration(System.nanoTime() - started);
              metrics.poll(outcome);
              update(a -> a.outcome(outcome));
            });
  }

  private PollOutcome completed(PollCursor.Window window) {
    state.completed(window);
    update(a -> a.completed(window.now()));
    return PollOutcome.COMPLETED;
  }

  private PollOutcome failed(PollCursor.Window w, Throwable e) {
    if (e == TickAborted.OVERLOADED) {
      update(a -> a.overloaded("the pipeline is full (sink OVERLOADED): the cursor holds and the window is polled again"));
      log.info("X-Ray poll paused by back-pressure; window [{}, {}) is polled again next tick", w.from(), w.to());
      return PollOutcome.OVERLOADED;
    }
    if (e == TickAborted.STOPPED) return PollOutcome.SKIPPED;
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

  // ---- start-up probe ----

  private void onDestination(GetTraceSegmentDestinationResponse r) {
    String destination = r.destinationAsString() == null ? "unknown" : r.destinationAsString();
    String warning = "";
    if (r.destination() == TraceSegmentDestination.CLOUD_WATCH_LOGS) {
      warning = "The account's trace segment destination is CloudWatch Logs (Transaction Search, status "
          + r.statusAsString() + "): BatchGetTraces returns nothing for such traces, so this poller will"
          + " deliver nothing. Switch the destination back to X-Ray or read spans from CloudWatch Logs.";
      log.error("{}", warning);
    } else {
      log.info("X-Ray trace segment destination: {} ({})", destination, r.statusAsString());
    }
    String w = warning;
    update(a -> a.destination(destination, w));
  }

  private void onDestinationFailure(Throwable e) {
    update(a -> a.destination("unknown", a.warning()));
    log.warn("Could not read the X-Ray trace segment destination (GetTraceSegmentDestination: {}); polling goes on."
        + " If the account uses Transaction Search, BatchGetTraces will return nothing", describe(e));
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
