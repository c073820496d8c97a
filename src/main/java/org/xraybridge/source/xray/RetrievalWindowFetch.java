package org.xraybridge.source.xray;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xraybridge.source.poll.PollCursor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.xray.model.ListRetrievedTracesRequest;
import software.amazon.awssdk.services.xray.model.ListRetrievedTracesResponse;
import software.amazon.awssdk.services.xray.model.RetrievalStatus;
import software.amazon.awssdk.services.xray.model.RetrievedTrace;
import software.amazon.awssdk.services.xray.model.Segment;
import software.amazon.awssdk.services.xray.model.StartTraceRetrievalRequest;
import software.amazon.awssdk.services.xray.model.Trace;
import software.amazon.awssdk.services.xray.model.TraceFormatType;

/**
 * Reads one window of a Transaction Search account through the traces X-Ray indexes (the retrieval
 * path, for operators who raise the indexing rate): the traces to fetch from {@link SummaryScan}, then
 * per 100 ids {@code StartTraceRetrieval} and {@code ListRetrievedTraces} in X-Ray format — asked
 * again, waiting longer each time, while the retrieval is {@code SCHEDULED} or {@code RUNNING};
 * {@code FAILED}, {@code CANCELLED}, {@code TIMEOUT} or no answer within {@code retrievalTimeout} fail
 * the tick (the cursor holds) — and every page of its traces handed on as BatchGetTraces' would be
 * ({@link TraceDelivery}, the segment converter). docs/xray-source.md "Transaction Search".
 */
final class RetrievalWindowFetch {

  /** Seconds before a trace's id time its spans may start: clocks of the services that wrote it differ. */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

  private final SourceContext source;
  private final XRayApi api;
  private final SummaryScan scan;
  private final TraceDelivery delivery;

  RetrievalWindowFetch(SourceContext source, XRayApi api, TraceDelivery delivery) {
    this.source = source;
    this.api = api;
    this.scan = new SummaryScan(source, api);
    this.delivery = delivery;
  }

  /** Completes once every trace of the window was handed on. */
  Mono<Reached> read(PollCursor.Window window) {
    Map<String, Integer> revisions = new HashMap<>();
    return scan.read(window)
        .flatMap(found -> {
          List<String> ids = scan.select(window, found, revisions);
          List<List<String>> groups = new ArrayList<>();
          for (int i = 0; i < ids.size(); i += XRayApi.MAX_RETRIEVAL_IDS) {
            groups.add(List.copyOf(ids.subList(i, Math.min(ids.size(), i + XRayApi.MAX_RETRIEVAL_IDS))));
          }
          return Flux.fromIterable(groups).concatMap(group -> retrieve(window, group, revisions), 0).then();
        })
        .thenReturn(new Reached(window, true));
  }

  private Mono<Void> retrieve(PollCursor.Window window, List<String> ids, Map<String, Integer> revisions) {
    StartTraceRetrievalRequest request =
        StartTraceRetrievalRequest.builder()
            .traceIds(ids)
            .startTime(earliestStart(ids))
            .endTime(window.to().plusSeconds(1))
            .build();
    Set<String> answered = new HashSet<>();
    Instant deadline = Instant.now().plus(source.settings().search().tuning().retrievalTimeout());
    return api.startTraceRetrieval(request)
        .flatMap(started -> complete(started.retrievalToken(), 0, deadline)
            .expand(page -> {
              String next = page.nextToken();
              if (next == null || next.isEmpty()) return Mono.empty();
              return api.listRetrievedTraces(list(started.retrievalToken(), next));
            })
            .doOnNext(page -> handOn(window, page, revisions, answered))
            .concatMap(page -> source.checkpoints().writeIfDue().thenReturn(page), 0)
            .then())
        .then(Mono.fromRunnable(() -> {
          for (String id : ids) if (!answered.contains(id)) source.metrics().traceMissing();
        }));
  }

  /** The first page of a retrieval once it is COMPLETE: asked again, after a growing wait, while it runs. */
  private Mono<ListRetrievedTracesResponse> complete(String token, int asked, Instant deadline) {
    return api.listRetrievedTraces(list(token, null))
        .flatMap(r -> {
          RetrievalStatus status = r.retrievalStatus();
          if (status == RetrievalStatus.COMPLETE) return Mono.just(r);
          if (status == RetrievalStatus.SCHEDULED || status == RetrievalStatus.RUNNING) {
            if (Instant.now().isAfter(deadline)) {
              return Mono.error(new IllegalStateException("Trace retrieval still " + status + " after "
                  + source.settings().search().tuning().retrievalTimeout() + "; the window is polled again"));
            }
            Duration wait = source.settings().search().tuning().retrievalWait().multipliedBy(1L << Math.min(asked, 3));
            return Mono.delay(wait).then(Mono.defer(() -> complete(token, asked + 1, deadline)));
          }
          return Mono.error(new IllegalStateException(
              "Trace retrieval ended " + r.retrievalStatusAsString() + " (ListRetrievedTraces); the window is polled again"));
        });
  }

  private static ListRetrievedTracesRequest list(String token, String next) {
    ListRetrievedTracesRequest.Builder b =
        ListRetrievedTracesRequest.builder().retrievalToken(token).traceFormat(TraceFormatType.XRAY);
    if (next != null) b.nextToken(next);
    return b.build();
  }

  /** Hands on the traces of one page, as BatchGetTraces' traces are (the spans of the X-Ray format are segment documents). */
  private void handOn(PollCursor.Window window, ListRetrievedTracesResponse page, Map<String, Integer> revisions, Set<String> answered) {
    XRayPollState state = source.state();
    for (RetrievedTrace rt : page.traces()) {
      if (rt.id() == null) continue;
      answered.add(rt.id());
      List<Segment> segments = new ArrayList<>(rt.spans().size());
      for (var span : rt.spans()) segments.add(Segment.builder().id(span.id()).document(span.document()).build());
      Trace trace = Trace.builder().id(rt.id()).duration(rt.duration()).segments(segments).build();
      synchronized (state) { // one trace at a time: a stop waits for one hand-off, not a page's
        state.checkRunning();
        delivery.handOn(state.delivered, trace, revisions.getOrDefault(rt.id(), -1), window.now());
      }
    }
  }

  /** The earliest time the traces' spans may start: the epoch second in their ids, less the skew. */
  private static Instant earliestStart(List<String> ids) {
    long earliest = Long.MAX_VALUE;
    for (String id : ids) {
      try {
        earliest = Math.min(earliest, Long.parseLong(id.substring(2, 10), 16));
      } catch (RuntimeException e) {
        // an id not in X-Ray form: it does not narrow the range
      }
    }
    if (earliest == Long.MAX_VALUE) earliest = 0;
    return Instant.ofEpochSecond(earliest).minus(CLOCK_SKEW);
  }
}
