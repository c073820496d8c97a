package org.xraybridge.source.xray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.source.poll.CheckpointWriter;
import org.xraybridge.source.poll.PollCursor;
import org.xraybridge.source.xray.DeliveredSegments.TraceProgress;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.xray.model.BatchGetTracesRequest;
import software.amazon.awssdk.services.xray.model.BatchGetTracesResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesRequest;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesResponse;
import software.amazon.awssdk.services.xray.model.TimeRangeType;
import software.amazon.awssdk.services.xray.model.Trace;
import software.amazon.awssdk.services.xray.model.TraceSummary;

/**
 * Reads one window of an X-Ray source: every page of {@code GetTraceSummaries} on the {@code Event}
 * axis; {@code BatchGetTraces}, five ids a call, for the traces not processed at their revision (and
 * for held traces whose in-progress timeout passed, even outside the window); each answer handed on
 * trace by trace ({@link TraceDelivery}) and checkpointed when due. Ids left unprocessed are asked
 * once more, then counted. Completes when every trace was handed on, else fails: with
 * {@link TickAborted} or the API's error. docs/xray-source.md "Window and cursor", "Exactly once".
 */
final class WindowFetch {

  /** BatchGetTraces takes at most 5 ids (docs/xray-source.md "The API's limits"). */
  static final int MAX_IDS_PER_CALL = 5;

  private static final Logger log = LoggerFactory.getLogger(WindowFetch.class);

  private final XRaySourceSettings settings;
  private final XRayApi api;
  private final XRayPollState state;
  private final TraceDelivery delivery;
  private final CheckpointWriter<XRayCheckpoint> checkpoints;
  private final Ledger ledger;
  private final XRaySourceMetrics metrics;

  WindowFetch(
      XRaySourceSettings settings,
      XRayApi api,
      XRayPollState state,
      TraceDelivery delivery,
      CheckpointWriter<XRayCheckpoint> checkpoints,
      Ledger ledger,
      XRaySourceMetrics metrics) {
    this.settings = settings;
    this.api = api;
    this.state = state;
    this.delivery = delivery;
    this.checkpoints = checkpoints;
    this.ledger = ledger;
    this.metrics = metrics;
  }

  /** Completes when every trace of {@code window} was handed on. */
  Mono<Void> read(PollCursor.Window window) {
    Tick tick = new Tick(window);
    return summaries(tick).flatMap(found -> fetchAndDeliver(tick, found));
  }

  private Mono<Map<String, TraceSummary>> summaries(Tick tick) {
    AtomicInteger pages = new AtomicInteger(1);
    int maxPages = settings.tuning().maxPagesPerPoll();
    return api.getTraceSummaries(summariesRequest(tick, null))
        .expand(
            page -> {
              String token = page.nextToken();
              if (token == null || token.isEmpty()) return Mono.empty();
              if (pages.incrementAndGet() > maxPages) {
                return Mono.<GetTraceSummariesResponse>error(
                    new IllegalStateException(
                        "GetTraceSummaries returned more than " + maxPages
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
            .startTime(tick.window.from())
            .endTime(tick.window.to())
            .timeRangeType(TimeRangeType.EVENT)
            .sampling(false);
    if (!settings.filterExpression().isEmpty()) b.filterExpression(settings.filterExpression());
    if (token != null) b.nextToken(token);
    return b.build();
  }

  private Mono<Void> fetchAndDeliver(Tick tick, Map<String, TraceSummary> found) {
    List<String> ids = select(tick, found);
    if (ids.isEmpty()) return Mono.empty();
    return fetch(tick, ids)
        .flatMap(
            unprocessed -> {
              if (unprocessed.isEmpty()) return Mono.empty();
              metrics.unprocessedRetried(unprocessed.size());
              // UnprocessedTraceIds are to be asked again: once, after a pause
              return Mono.delay(settings.tuning().retry().minBackoff())
                  .then(fetch(tick, unprocessed))
                  .doOnNext(this::countUnprocessed)
                  .then();
            });
  }

  /** The ids to fetch: summaries not processed at their revision, and held traces that are due. */
  private List<String> select(Tick tick, Map<String, TraceSummary> found) {
    List<String> ids = new ArrayList<>();
    int skipped = 0;
    synchronized (state) {
      DeliveredSegments delivered = state.delivered;
      for (TraceSummary s : found.values()) {
        int revision = s.revision() == null ? -1 : s.revision();
        boolean partial = Boolean.TRUE.equals(s.isPartial());
        TraceProgress p = delivered.get(s.id());
        if (p != null && revision >= 0 && p.revision == revision && !heldNeedsFetch(p, partial)) {
          skipped++;
          continue;
        }
        ids.add(s.id());
        tick.revisions.put(s.id(), revision);
      }
      for (String id : delivered.heldDue(tick.window.now(), settings.inProgressTimeout())) {
        if (!tick.revisions.containsKey(id)) {
          ids.add(id);
          tick.revisions.put(id, -1);
        }
      }
    }
    metrics.summariesSkipped(skipped);
    metrics.summariesFetched(found.size() - skipped);
    return ids;
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
                    .flatMap(unprocessed -> checkpoints.writeIfDue().thenReturn(unprocessed)),
            settings.batchConcurrency())
        .<List<String>>collect(ArrayList::new, List::addAll);
  }

  /** Hands on the traces of one answer; returns its unprocessed ids. */
  private List<String> handOn(Tick tick, List<String> asked, BatchGetTracesResponse response) {
    List<String> unprocessed = new ArrayList<>(response.unprocessedTraceIds());
    Set<String> answered = new HashSet<>(unprocessed);
    synchronized (state) {
      state.checkRunning();
      for (Trace trace : response.traces()) {
        if (trace.id() == null) continue;
        answered.add(trace.id());
        delivery.handOn(state.delivered, trace, tick.revisions.getOrDefault(trace.id(), -1), tick.window.now());
      }
    }
    for (String id : asked) {
      if (!answered.contains(id)) metrics.traceMissing();
    }
    return unprocessed;
  }

  private void countUnprocessed(List<String> still) {
    if (still.isEmpty()) return;
    metrics.unprocessedCounted(still.size());
    for (int i = 0; i < still.size(); i++) ledger.documentRejected(Half.XRAY_POLL, Ledger.DocumentReason.UNPROCESSED);
    log.warn(
        "{} X-Ray trace(s) stayed in UnprocessedTraceIds after a retry (counted as unprocessed; fetched again"
            + " if a later window shows them): {}",
        still.size(), still.size() <= 5 ? still : still.subList(0, 5) + " …");
  }

  /** One tick's window, and the revision of each trace fetched (-1 when fetched without a summary). */
  private static final class Tick {
    final PollCursor.Window window;
    /** Written before fetching, read while handing on; both under the state lock. */
    final Map<String, Integer> revisions = new HashMap<>();

    Tick(PollCursor.Window window) {
      this.window = window;
    }
  }
}
