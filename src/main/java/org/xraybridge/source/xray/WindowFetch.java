package org.xraybridge.source.xray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.source.poll.PollCursor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.xray.model.BatchGetTracesRequest;
import software.amazon.awssdk.services.xray.model.BatchGetTracesResponse;
import software.amazon.awssdk.services.xray.model.Trace;
import software.amazon.awssdk.services.xray.model.TraceSummary;

/**
 * Reads one window of an X-Ray source: the traces to fetch from {@link SummaryScan} (every page of
 * {@code GetTraceSummaries}; those not processed at their revision, held ones that are due);
 * {@code BatchGetTraces}, five ids a call; each answer handed on
 * trace by trace ({@link TraceDelivery}) and checkpointed when due. Ids left unprocessed are asked
 * once more, then counted. Completes when every trace was handed on, else fails: with
 * {@link TickAborted} or the API's error. docs/xray-source.md "Window and cursor", "Exactly once".
 */
final class WindowFetch {

  /** BatchGetTraces takes at most 5 ids (docs/xray-source.md "The API's limits"). */
  static final int MAX_IDS_PER_CALL = 5;

  private static final Logger log = LoggerFactory.getLogger(WindowFetch.class);

  private final SourceContext source;
  private final XRayApi api;
  private final TraceDelivery delivery;
  private final SummaryScan scan;

  WindowFetch(SourceContext source, XRayApi api, TraceDelivery delivery) {
    this.source = source;
    this.api = api;
    this.delivery = delivery;
    this.scan = new SummaryScan(source, api);
  }

  /** Completes when every trace of {@code window} was handed on. */
  Mono<Void> read(PollCursor.Window window) {
    Tick tick = new Tick(window);
    return scan.read(window).flatMap(found -> fetchAndDeliver(tick, found));
  }

  private Mono<Void> fetchAndDeliver(Tick tick, Map<String, TraceSummary> found) {
    List<String> ids = scan.select(tick.window, found, tick.revisions);
    if (ids.isEmpty()) return Mono.empty();
    return fetch(tick, ids)
        .flatMap(
            unprocessed -> {
              if (unprocessed.isEmpty()) return Mono.empty();
              source.metrics().unprocessedRetried(unprocessed.size());
              // UnprocessedTraceIds are to be asked again: once, after a pause
              return Mono.delay(source.settings().tuning().retry().minBackoff())
                  .then(fetch(tick, unprocessed))
                  .doOnNext(this::countUnprocessed)
                  .then();
            });
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
                    .flatMap(unprocessed -> source.checkpoints().writeIfDue().thenReturn(unprocessed)),
            source.settings().batchConcurrency())
        .<List<String>>collect(ArrayList::new, List::addAll);
  }

  /** Hands on the traces of one answer; returns its unprocessed ids. */
  private List<String> handOn(Tick tick, List<String> asked, BatchGetTracesResponse response) {
    List<String> unprocessed = new ArrayList<>(response.unprocessedTraceIds());
    Set<String> answered = new HashSet<>(unprocessed);
    XRayPollState state = source.state();
    for (Trace trace : response.traces()) {
      if (trace.id() == null) continue;
      answered.add(trace.id());
      // the lock one trace at a time: a stop (kafka mode: a revoke, on the election's thread) waits for
      // one hand-off, which may wait for Kafka, not for a whole answer's
      synchronized (state) {
        // Another answer of this tick already aborted it; this one is cancelled and read again next
        // tick. Throwing again would only reach Reactor's dropped-error log.
        if (tick.aborted) return List.of();
        try {
          state.checkRunning();
          delivery.handOn(state.delivered, trace, tick.revisions.getOrDefault(trace.id(), -1), tick.window.now());
        } catch (TickAborted e) {
          tick.aborted = true;
          throw e;
        }
      }
    }
    for (String id : asked) {
      if (!answered.contains(id)) source.metrics().traceMissing();
    }
    return unprocessed;
  }

  private void countUnprocessed(List<String> still) {
    if (still.isEmpty()) return;
    source.metrics().unprocessedCounted(still.size());
    for (int i = 0; i < still.size(); i++) source.ledger().documentRejected(Half.XRAY_POLL, Ledger.DocumentReason.UNPROCESSED);
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
    /** Set, under the state lock, by the first answer that met a full sink or a stop. */
    boolean aborted;

    Tick(PollCursor.Window window) {
      this.window = window;
    }
  }
}
