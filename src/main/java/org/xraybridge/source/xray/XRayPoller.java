package org.xraybridge.source.xray;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.model.XRaySink;
import org.xraybridge.source.xray.DeliveredSegments.TraceProgress;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.BatchGetTracesRequest;
import software.amazon.awssdk.services.xray.model.BatchGetTracesResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSegmentDestinationResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesRequest;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesResponse;
import software.amazon.awssdk.services.xray.model.Segment;
import software.amazon.awssdk.services.xray.model.TimeRangeType;
import software.amazon.awssdk.services.xray.model.Trace;
import software.amazon.awssdk.services.xray.model.TraceSegmentDestination;
import software.amazon.awssdk.services.xray.model.TraceSummary;

/**
 * Polls the X-Ray API and hands every segment document on exactly once, as converted traces.
 *
 * <h2>One tick</h2>
 * <ol>
 *   <li>Window {@code [cursor − overlap, now − lag)}, at most {@code maxWindow} long, on the
 *       {@code Event} axis (trace update time), so a trace that receives a late segment shows up
 *       again in a later window.
 *   <li>{@code GetTraceSummaries} with the filter expression, every page ({@code NextToken}; pages run
 *       newest first).
 *   <li>A summary whose {@code (Id, Revision)} was processed is skipped, unless the trace holds an
 *       in-progress document and either the summary is no longer partial or the hold has lasted
 *       {@code inProgressTimeout}. Traces holding documents that long are fetched even when they no
 *       longer appear in any window.
 *   <li>{@code BatchGetTraces} for the rest, at most 5 ids a call, {@code batchConcurrency} calls at a
 *       time. Ids left in {@code UnprocessedTraceIds} are asked again once; those still left are
 *       counted (metric and ledger {@code unprocessed}) and, not being recorded as processed, are
 *       fetched again if a later window still shows them.
 *   <li>Per trace, the documents not delivered yet (by segment id and a hash of the text: a late
 *       independent subsegment changes its parent's document) go to the {@link TraceConverter}; the
 *       spans whose ids were not handed on before go to the {@link XRaySink} as a further chunk of the
 *       same trace. When the sink ACCEPTS, the spans are counted as received in the {@link Ledger}
 *       and the documents marked delivered, except the in-progress ones the converter held back;
 *       documents the converter rejects are counted by the converter and never retried.
 *   <li>When every trace was handed on, the cursor moves to the window's end. Then the cursor and the
 *       delivered set are checkpointed (also every {@code checkpointInterval} during a long tick).
 * </ol>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>No gap:</b> the cursor moves only when a window was handed on completely; a failed call
 *       (after retries), an open circuit or a full sink leaves it where it was, and the next tick
 *       polls the same window again.
 *   <li><b>No duplicate:</b> what was handed on is in the delivered set before anything else can read
 *       it, and the set is checkpointed with the cursor; a restart loads both. A graceful
 *       {@link #stop()} writes them after the last hand-off; a crash can re-send at most what was
 *       handed on since the last checkpoint ({@code checkpointInterval}).
 *   <li><b>Back-pressure:</b> when the sink answers OVERLOADED the tick stops there (nothing buffered),
 *       the cursor holds, and the next tick retries.
 *   <li><b>Never a tight loop:</b> ticks come every {@code pollInterval}; a tick that finds the previous
 *       poll still running is skipped and counted; every API attempt waits for its rate-limiter permit.
 *   <li><b>Clock jumps:</b> if {@code now − lag} is not after the cursor (the clock went back) nothing
 *       is polled; when the jump is longer than {@code pollInterval} the cursor is rewound to
 *       {@code now − lag} — re-reading is harmless, skipping is not. A jump forward is absorbed by
 *       {@code maxWindow}: the cursor moves in bounded steps.
 * </ul>
 *
 * <p>Threads: API calls run on the SDK's async threads, conversion and hand-off under one state lock
 * (short, in-memory), checkpoint writes on {@link Schedulers#boundedElastic()}. {@link #start()} and
 * {@link #stop()} may block briefly (file I/O) and are meant for a lifecycle thread, never an event loop.
 */
public final class XRayPoller implements AutoCloseable {

  /** BatchGetTraces takes at most 5 ids (WIRE.md §A4). */
  static final int MAX_IDS_PER_CALL = 5;

  private static final Logger log = LoggerFactory.getLogger(XRayPoller.class);
  private static final Half HALF = Half.XRAY_POLL;

  private final XRaySourceSettings settings;
  private final TraceConverter converter;
  private final XRaySink sink;
  private final Ledger ledger;
  private final Clock clock;
  private final Scheduler timer;
  private final XRayApi api;
  private final XRaySourceMetrics metrics;
  private final CheckpointStore checkpoints;
  private final DeliveredSegments delivered;

  /** Guards the cursor and the delivered set, and makes each trace's hand-off atomic with its marks. */
  private final Object stateLock = new Object();
  private final Object lifecycleLock = new Object();
  private final Object checkpointWriteLock = new Object();
  private final AtomicBoolean polling = new AtomicBoolean();
  private final AtomicLong lastCheckpointNanos = new AtomicLong(System.nanoTime());
  private long snapshotSequence; // guarded by stateLock
  private long writtenSequence; // guarded by checkpointWriteLock
  private boolean crashed; // guarded by checkpointWriteLock; set only by tests

  private volatile XRaySourceStatus.State state = XRaySourceStatus.State.NEW;
  private volatile boolean stopped;
  private volatile Instant cursor = Instant.EPOCH;
  private Disposable schedule;
  private Disposable destinationProbe;

  private volatile Instant lastSuccess = Instant.EPOCH;
  private volatile Instant lastPollAt = Instant.EPOCH;
  private volatile Instant windowStart = Instant.EPOCH;
  private volatile Instant windowEnd = Instant.EPOCH;
  private volatile Instant lastCheckpoint = Instant.EPOCH;
  private volatile PollOutcome lastOutcome = PollOutcome.NONE;
  private volatile String lastError = "";
  private volatile String destination = "unknown";
  private volatile String warning = "";
  private volatile String checkpointError = "";
  private volatile boolean backPressured;

  /**
   * @param settings how to poll (see {@link XRaySourceSettings} for the defaults)
   * @param client the X-Ray async client, normally from {@link XRayClients#create}; the poller does not close it
   * @param converter segment documents of one trace → spans (counts its own rejections in the ledger)
   * @param sink where converted traces go; OVERLOADED holds the cursor
   * @param ledger where unprocessed traces are counted (spans are counted received by the sink)
   * @param registry where the meters listed in {@link XRaySourceMetrics} are registered
   * @param clock wall clock for windows, cursor and status (injectable for tests)
   */
  public XRayPoller(
      XRaySourceSettings settings,
      XRayAsyncClient client,
      TraceConverter converter,
      XRaySink sink,
      Ledger ledger,
      MeterRegistry registry,
      Clock clock) {
    this(settings, client, converter, sink, ledger, registry, clock, Schedulers.parallel());
  }

  XRayPoller(
      XRaySourceSettings settings,
      XRayAsyncClient client,
      TraceConverter converter,
      XRaySink sink,
      Ledger ledger,
      MeterRegistry registry,
      Clock clock,
      Scheduler timer) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    Objects.requireNonNull(client, "client == null");
    this.converter = Objects.requireNonNull(converter, "converter == null");
    this.sink = Objects.requireNonNull(sink, "sink == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    Objects.requireNonNull(registry, "registry == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.timer = Objects.requireNonNull(timer, "timer == null");
    this.metrics = new XRaySourceMetrics(registry, this::cursorLagSeconds, this::heldTraces);
    this.api = new XRayApi(client, settings, metrics);
    this.checkpoints = new CheckpointStore(settings.checkpointFile());
    this.delivered = new DeliveredSegments(settings.deliveredTtl(), settings.maxTrackedIds(), metrics.evicted);
  }

  /**
   * Loads the checkpoint (or, when there is none, starts with the cursor at {@code now − lag −
   * pollInterval} and writes one at once),
   * asks X-Ray where segments go, and polls every {@code pollInterval}, starting now.
   *
   * @throws CheckpointException when the checkpoint file is corrupt or cannot be written
   * @throws IllegalStateException when started twice
   */
  public void start() {
    synchronized (lifecycleLock) {
      open();
      schedule =
          Flux.interval(Duration.ZERO, settings.pollInterval(), timer)
              .onBackpressureDrop(tick -> skipTick())
              .concatMap(tick -> pollOnce(), 0)
              .subscribe(outcome -> {}, e -> log.error("X-Ray poll loop ended unexpectedly", e));
    }
  }

  /**
   * Stops polling: cancels a running poll (what it already handed on stays marked delivered), then
   * writes the checkpoint. Idempotent.
   */
  public void stop() {
    synchronized (lifecycleLock) {
      if (state != XRaySourceStatus.State.RUNNING) {
        state = XRaySourceStatus.State.STOPPED;
        return;
      }
      synchronized (stateLock) {
        stopped = true; // from here on no hand-off happens, so the checkpoint below is final
      }
      if (schedule != null) schedule.dispose();
      if (destinationProbe != null) destinationProbe.dispose();
      state = XRaySourceStatus.State.STOPPED;
    }
    writeCheckpoint(true);
    log.info("X-Ray poller stopped; cursor {} checkpointed to {}", cursor, checkpoints.file());
  }

  @Override
  public void close() {
    stop();
  }

  /**
   * For tests: dies as a killed process would — no hand-off and no checkpoint write from now on,
   * nothing flushed. What a restart finds is the last checkpoint written before.
   */
  void crash() {
    synchronized (lifecycleLock) {
      synchronized (stateLock) {
        stopped = true;
      }
      synchronized (checkpointWriteLock) {
        crashed = true;
      }
      if (schedule != null) schedule.dispose();
      if (destinationProbe != null) destinationProbe.dispose();
      state = XRaySourceStatus.State.STOPPED;
    }
  }

  /** The status snapshot health and the UI read. Cheap; never calls AWS. */
  public XRaySourceStatus status() {
    Instant now = clock.instant();
    Instant c = cursor;
    return new XRaySourceStatus(
        state,
        lastSuccess,
        c,
        c.equals(Instant.EPOCH) ? Duration.ZERO : Duration.between(c, now),
        lastOutcome,
        lastPollAt,
        windowStart,
        windowEnd,
        api.throttlesLastMinute(),
        api.circuitState(),
        destination,
        warning,
        lastError,
        delivered.heldCount(),
        delivered.traceCount(),
        backPressured,
        checkpoints.file(),
        lastCheckpoint,
        checkpointError);
  }

  /** Loads the checkpoint and probes the segment destination, without scheduling ticks (tests drive {@link #pollOnce()}). */
  void open() {
    synchronized (lifecycleLock) {
      if (state != XRaySourceStatus.State.NEW) throw new IllegalStateException("the X-Ray poller can be started once");
      Instant now = now();
      if (checkpoints.exists()) {
        Checkpoint c = checkpoints.load();
        checkpoints.checkWritable();
        synchronized (stateLock) {
          delivered.restore(c.traces(), now);
          cursor = c.cursor();
        }
        log.info(
            "X-Ray poller resumes from {}: cursor {}, {} traces remembered",
            checkpoints.file(), c.cursor(), delivered.traceCount());
        if (c.cursor().isAfter(now)) {
          log.warn(
              "X-Ray checkpoint cursor {} is after the clock ({}): the clock went back since it was written;"
                  + " the poller rewinds to now − lag rather than wait",
              c.cursor(), now);
        }
      } else {
        checkpoints.checkWritable();
        synchronized (stateLock) {
          // The first window looks back overlap + one interval from now − lag.
          cursor = now.minus(settings.lag()).minus(settings.pollInterval());
        }
        log.info(
            "No X-Ray checkpoint at {}: polling starts with the window [{}, now − lag)",
            checkpoints.file(), cursor.minus(settings.overlap()));
        writeCheckpoint(false); // from now on a restart resumes here, with no gap
        if (!checkpointError.isEmpty()) throw new CheckpointException(checkpoints.file(), checkpointError, null);
      }
      state = XRaySourceStatus.State.RUNNING;
    }
    destinationProbe = api.getTraceSegmentDestination().subscribe(this::onDestination, this::onDestinationFailure);
  }

  /**
   * Polls one window now. Completes with what the tick came to; never fails. A call while another
   * poll runs does nothing and completes with {@link PollOutcome#SKIPPED}.
   */
  Mono<PollOutcome> pollOnce() {
    return Mono.defer(
        () -> {
          if (state != XRaySourceStatus.State.RUNNING || stopped) return Mono.just(PollOutcome.SKIPPED);
          if (!polling.compareAndSet(false, true)) {
            skipTick();
            return Mono.just(PollOutcome.SKIPPED);
          }
          // Released before the outcome is emitted, so a caller that saw it can poll again at once.
          return poll()
              .doOnNext(outcome -> polling.set(false))
              .doOnError(e -> polling.set(false))
              .doOnCancel(() -> polling.set(false));
        });
  }

  // ---- one tick ----

  private Mono<PollOutcome> poll() {
    Instant now = now();
    Instant from;
    Instant to;
    synchronized (stateLock) {
      Instant end = now.minus(settings.lag());
      if (!end.isAfter(cursor)) return Mono.just(clockBehind(now, end));
      from = cursor.minus(settings.overlap());
      to = Duration.between(from, end).compareTo(settings.maxWindow()) > 0 ? from.plus(settings.maxWindow()) : end;
    }
    lastPollAt = now;
    windowStart = from;
    windowEnd = to;
    Tick tick = new Tick(now, from, to);
    long started = System.nanoTime();
    return summaries(tick)
        .flatMap(found -> fetchAndDeliver(tick, found))
        .then(Mono.fromCallable(() -> complete(tick)))
        .onErrorResume(e -> Mono.just(failed(tick, e)))
        .flatMap(outcome -> checkpointAsync().thenReturn(outcome))
        .doOnNext(
            outcome -> {
              metrics.pollDuration.record(Duration.ofNanos(System.nanoTime() - started));
              metrics.poll(outcome);
              lastOutcome = outcome;
            });
  }

  private Mono<Map<String, TraceSummary>> summaries(Tick tick) {
    AtomicInteger pages = new AtomicInteger(1);
    return api.getTraceSummaries(summariesRequest(tick, null))
        .expand(
            page -> {
              String token = page.nextToken();
              if (token == null || token.isEmpty()) return Mono.empty();
              if (pages.incrementAndGet() > settings.maxPagesPerPoll()) {
                return Mono.error(
                    new IllegalStateException(
                        "GetTraceSummaries returned more than " + settings.maxPagesPerPoll()
                            + " pages for one window; lower bridge.xray.max-window or narrow the filter expression"));
              }
              return api.getTraceSummaries(summariesRequest(tick, token));
            })
        .<Map<String, TraceSummary>>collect(
            LinkedHashMap::new,
            (found, page) -> {
              for (TraceSummary s : page.traceSummaries()) {
                if (s.id() != null && !s.id().isEmpty()) found.putIfAbsent(s.id(), s); // newest page first
              }
            });
  }

  private GetTraceSummariesRequest summariesRequest(Tick tick, String token) {
    GetTraceSummariesRequest.Builder b =
        GetTraceSummariesRequest.builder()
            .startTime(tick.from)
            .endTime(tick.to)
            .timeRangeType(TimeRangeType.EVENT)
            .sampling(false);
    if (!settings.filterExpression().isEmpty()) b.filterExpression(settings.filterExpression());
    if (token != null) b.nextToken(token);
    return b.build();
  }

  private Mono<Void> fetchAndDeliver(Tick tick, Map<String, TraceSummary> found) {
    List<String> ids = new ArrayList<>();
    synchronized (stateLock) {
      for (TraceSummary s : found.values()) {
        int revision = s.revision() == null ? -1 : s.revision();
        boolean partial = Boolean.TRUE.equals(s.isPartial());
        TraceProgress p = delivered.get(s.id());
        if (p != null && revision >= 0 && p.revision == revision && !heldNeedsFetch(p, partial)) {
          metrics.summariesSkipped.increment();
          continue;
        }
        metrics.summariesFetched.increment();
        ids.add(s.id());
        tick.revisions.put(s.id(), revision);
      }
      for (String id : delivered.heldDue(tick.now, settings.inProgressTimeout())) {
        if (!tick.revisions.containsKey(id)) {
          ids.add(id);
          tick.revisions.put(id, -1);
        }
      }
    }
    if (ids.isEmpty()) return Mono.empty();
    return fetch(tick, ids)
        .flatMap(
            unprocessed -> {
              if (unprocessed.isEmpty()) return Mono.empty();
              metrics.unprocessedRetried.increment(unprocessed.size());
              // WIRE.md §A4: UnprocessedTraceIds are to be retried; once, after a pause.
              return Mono.delay(settings.retry().minBackoff())
                  .then(fetch(tick, unprocessed))
                  .doOnNext(this::countUnprocessed)
                  .then();
            });
  }

  private static boolean heldNeedsFetch(TraceProgress p, boolean partial) {
    return !p.held.isEmpty() && !partial; // the in-progress document completed (a due hold is fetched separately)
  }

  /** BatchGetTraces over {@code ids} in groups of 5; completes with the ids left unprocessed. */
  private Mono<List<String>> fetch(Tick tick, List<String> ids) {
    List<List<String>> groups = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += MAX_IDS_PER_CALL) {
      groups.add(List.copyOf(ids.subList(i, Math.min(ids.size(), i + MAX_IDS_PER_CALL))));
    }
    return Flux.fromIterable(groups)
        .flatMap(
            group ->
                api.batchGetTraces(BatchGetTracesRequest.builder().traceIds(group).build())
                    .map(response -> handOn(tick, group, response))
                    .flatMap(unprocessed -> maybeCheckpoint().thenReturn(unprocessed)),
            settings.batchConcurrency())
        .<List<String>>collect(ArrayList::new, List::addAll);
  }

  /** Converts and hands on the traces of one response; returns its unprocessed ids. */
  private List<String> handOn(Tick tick, List<String> asked, BatchGetTracesResponse response) {
    List<String> unprocessed = new ArrayList<>(response.unprocessedTraceIds());
    Set<String> answered = new HashSet<>(unprocessed);
    synchronized (stateLock) {
      if (stopped) throw new Stopped();
      for (Trace trace : response.traces()) {
        if (trace.id() == null) continue;
        answered.add(trace.id());
        handOn(tick, trace);
      }
    }
    for (String id : asked) {
      if (!answered.contains(id)) metrics.missing.increment();
    }
    return unprocessed;
  }

  /** One trace: under the state lock. Throws {@link Overloaded} when the sink is full (nothing marked). */
  private void handOn(Tick tick, Trace trace) {
    String traceId = trace.id();
    boolean limitExceeded = Boolean.TRUE.equals(trace.limitExceeded());
    if (limitExceeded) metrics.limitExceeded.increment();
    List<Segment> segments = trace.segments();
    metrics.tracesPolled.increment();
    metrics.segmentsPolled.increment(segments.size());
    TraceProgress p = delivered.getOrCreate(traceId);
    List<SegmentDocument> fresh = new ArrayList<>(segments.size());
    List<Long> hashes = new ArrayList<>(segments.size());
    // Delivered documents still go to the converter, as context only: a late document then gets its
    // parent segment's service, the exceptions it refers to and the trace's datadog-metadata.
    List<SegmentDocument> all = new ArrayList<>(segments.size());
    Set<String> context = new HashSet<>();
    for (Segment s : segments) {
      String id = s.id() == null ? "" : s.id();
      String text = s.document() == null ? "" : s.document();
      long hash = DeliveredSegments.hash(text);
      all.add(new SegmentDocument(id, text));
      if (!id.isEmpty() && p.isDelivered(id, hash)) {
        metrics.segmentsSkipped.increment();
        context.add(id);
        continue;
      }
      fresh.add(new SegmentDocument(id, text));
      hashes.add(hash);
    }
    int revision = tick.revisions.getOrDefault(traceId, -1);
    if (fresh.isEmpty()) {
      if (revision >= 0) p.revision = revision;
      p.held = Set.of();
      p.heldSince = Instant.EPOCH;
      delivered.update(p, tick.now);
      return;
    }
    ConvertedTrace converted;
    try {
      converted = converter.convert(new XRayDocuments(traceId, all, HALF, limitExceeded, context));
    } catch (RuntimeException e) {
      // The converter's contract is to never throw; if it does, skip these documents rather than
      // fetch and fail on them every tick.
      log.error("The converter failed on X-Ray trace {} ({} documents); they are skipped", traceId, fresh.size(), e);
      metrics.converterFailures.increment(fresh.size());
      converted = null;
    }
    Set<String> held = converted == null ? Set.of() : converted.heldSegmentIds();
    long[] newSpanIds = new long[0];
    if (converted != null) {
      List<Span> spans = converted.spans();
      List<Span> fresher = new ArrayList<>(spans.size());
      for (int i = 0; i < spans.size(); i++) {
        Span span = spans.get(i);
        if (!p.hasSpan(span.spanId())) fresher.add(span);
      }
      if (!fresher.isEmpty()) {
        ConvertedTrace chunk = fresher.size() == spans.size() ? converted : withSpans(converted, fresher);
        Admission admission = sink.offer(chunk);
        if (admission != Admission.ACCEPTED) {
          backPressured = true;
          throw new Overloaded();
        }
        // received spans are counted by the sink (the merge stage) when it accepts them
        newSpanIds = new long[fresher.size()];
        for (int i = 0; i < fresher.size(); i++) newSpanIds[i] = fresher.get(i).spanId();
      }
    }
    for (int i = 0; i < fresh.size(); i++) {
      String id = fresh.get(i).id();
      if (id.isEmpty() || held.contains(id)) continue;
      p.delivered.put(id, hashes.get(i));
      metrics.segmentsDelivered.increment();
    }
    p.addSpanIds(newSpanIds);
    if (held.isEmpty()) {
      p.held = Set.of();
      p.heldSince = Instant.EPOCH;
    } else {
      p.held = Set.copyOf(held);
      if (p.heldSince.equals(Instant.EPOCH)) p.heldSince = tick.now;
    }
    if (revision >= 0) p.revision = revision;
    delivered.update(p, tick.now);
  }

  private static ConvertedTrace withSpans(ConvertedTrace c, List<Span> spans) {
    return new ConvertedTrace(
        c.xrayTraceId(), c.traceId(), c.half(), spans, c.env(), c.datadog(), c.emittedSegmentIds(),
        c.heldSegmentIds(), c.rejectedSegmentIds());
  }

  private void countUnprocessed(List<String> still) {
    if (still.isEmpty()) return;
    metrics.unprocessedCounted.increment(still.size());
    for (int i = 0; i < still.size(); i++) ledger.documentRejected(HALF, Ledger.DocumentReason.UNPROCESSED);
    log.warn(
        "{} X-Ray trace(s) stayed in UnprocessedTraceIds after a retry (counted as unprocessed; fetched again"
            + " if a later window shows them): {}",
        still.size(), still.size() <= 5 ? still : still.subList(0, 5) + " …");
  }

  private PollOutcome complete(Tick tick) {
    synchronized (stateLock) {
      if (stopped) throw new Stopped();
      if (tick.to.isAfter(cursor)) cursor = tick.to;
    }
    lastSuccess = tick.now;
    lastError = "";
    backPressured = false;
    return PollOutcome.COMPLETED;
  }

  private PollOutcome failed(Tick tick, Throwable e) {
    if (e instanceof Overloaded) {
      lastError = "the pipeline is full (sink OVERLOADED): the cursor holds and the window is polled again";
      log.info("X-Ray poll paused by back-pressure; window [{}, {}) is polled again next tick", tick.from, tick.to);
      return PollOutcome.OVERLOADED;
    }
    if (e instanceof Stopped) return PollOutcome.SKIPPED;
    lastError = describe(e);
    log.warn("X-Ray poll of window [{}, {}) failed; the cursor holds: {}", tick.from, tick.to, lastError);
    return PollOutcome.FAILED;
  }

  private PollOutcome clockBehind(Instant now, Instant end) {
    // Under stateLock.
    Duration behind = Duration.between(end, cursor);
    lastPollAt = now;
    if (behind.compareTo(settings.pollInterval()) > 0) {
      log.warn(
          "The clock is {} behind the X-Ray poll cursor {} (now − lag = {}): it went back. Rewinding the cursor"
              + " to now − lag; what is re-read is de-duplicated",
          behind, cursor, end);
      cursor = end;
      lastError = "the clock went back by " + behind + "; cursor rewound to " + end;
    } else {
      lastError = "";
    }
    metrics.poll(PollOutcome.CLOCK_BEHIND);
    lastOutcome = PollOutcome.CLOCK_BEHIND;
    return PollOutcome.CLOCK_BEHIND;
  }

  private void skipTick() {
    metrics.poll(PollOutcome.SKIPPED);
    log.debug("X-Ray poll tick skipped: the previous poll is still running");
  }

  // ---- start-up probe ----

  private void onDestination(GetTraceSegmentDestinationResponse r) {
    destination = r.destinationAsString() == null ? "unknown" : r.destinationAsString();
    if (r.destination() == TraceSegmentDestination.CLOUD_WATCH_LOGS) {
      warning =
          "The account's trace segment destination is CloudWatch Logs (Transaction Search, status "
              + r.statusAsString() + "): BatchGetTraces returns nothing for such traces, so this poller will"
              + " deliver nothing. Switch the destination back to X-Ray or read spans from CloudWatch Logs.";
      log.error("{}", warning);
    } else {
      log.info("X-Ray trace segment destination: {} ({})", destination, r.statusAsString());
    }
  }

  private void onDestinationFailure(Throwable e) {
    destination = "unknown";
    log.warn(
        "Could not read the X-Ray trace segment destination (GetTraceSegmentDestination: {}); polling goes on."
            + " If the account uses Transaction Search, BatchGetTraces will return nothing",
        describe(e));
  }

  // ---- checkpoint ----

  private Mono<Void> maybeCheckpoint() {
    long last = lastCheckpointNanos.get();
    if (System.nanoTime() - last < settings.checkpointInterval().toNanos()) return Mono.empty();
    return checkpointAsync();
  }

  private Mono<Void> checkpointAsync() {
    return Mono.fromRunnable(() -> writeCheckpoint(false)).subscribeOn(Schedulers.boundedElastic()).then();
  }

  /**
   * Takes a snapshot under the state lock and writes it; an older snapshot never overwrites a newer
   * one. Once stopped, only stop's own final write goes through: a poll still unwinding must not write
   * over a file that a successor may already own.
   */
  private void writeCheckpoint(boolean last) {
    Checkpoint snapshot;
    long sequence;
    synchronized (stateLock) {
      snapshot = new Checkpoint(cursor, clock.instant(), delivered.snapshot());
      sequence = ++snapshotSequence;
    }
    synchronized (checkpointWriteLock) {
      if (crashed || sequence < writtenSequence || (stopped && !last)) return;
      lastCheckpointNanos.set(System.nanoTime());
      try {
        checkpoints.write(snapshot);
        writtenSequence = sequence;
        lastCheckpoint = snapshot.writtenAt();
        if (!checkpointError.isEmpty()) log.info("X-Ray checkpoint written again to {}", checkpoints.file());
        checkpointError = "";
        metrics.checkpointOk.increment();
      } catch (CheckpointException e) {
        metrics.checkpointFailed.increment();
        if (!e.getMessage().equals(checkpointError)) log.error("{}", e.getMessage(), e.getCause());
        checkpointError = e.getMessage();
      }
    }
  }

  // ---- helpers ----

  private Instant now() {
    // The SDK sends window bounds with millisecond precision; keep the cursor on the same grid.
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private double cursorLagSeconds() {
    Instant c = cursor;
    if (c.equals(Instant.EPOCH)) return 0;
    return Duration.between(c, clock.instant()).toMillis() / 1000.0;
  }

  private int heldTraces() {
    return delivered.heldCount();
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** State of one tick. */
  private static final class Tick {
    final Instant now;
    final Instant from;
    final Instant to;
    /** Trace id → revision of its summary (-1 when fetched without one). Written before fetching. */
    final Map<String, Integer> revisions = new HashMap<>();

    Tick(Instant now, Instant from, Instant to) {
      this.now = now;
      this.from = from;
      this.to = to;
    }
  }

  /** The sink said OVERLOADED: stop this tick, hold the cursor. */
  private static final class Overloaded extends RuntimeException {
    Overloaded() {
      super("sink overloaded", null, false, false);
    }
  }

  /** The poller was stopped while a poll was running. */
  private static final class Stopped extends RuntimeException {
    Stopped() {
      super("poller stopped", null, false, false);
    }
  }
}
