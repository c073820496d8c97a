package org.xraybridge.source.xray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.xraybridge.source.poll.PollCursor;
import org.xraybridge.source.xray.DeliveredSegments.TraceProgress;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesRequest;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesResponse;
import software.amazon.awssdk.services.xray.model.TimeRangeType;
import software.amazon.awssdk.services.xray.model.TraceSummary;

/**
 * Which traces of a window to fetch, for the paths that start from X-Ray's summaries (BatchGetTraces,
 * and the retrieval of Transaction Search): every page of {@code GetTraceSummaries} on the
 * {@code Event} axis, then the traces not processed at their revision, and held traces whose
 * in-progress timeout passed (even outside the window). docs/xray-source.md "Exactly once".
 */
final class SummaryScan {

  private final SourceContext source;
  private final XRayApi api;

  SummaryScan(SourceContext source, XRayApi api) {
    this.source = source;
    this.api = api;
  }

  /** The window's summaries by trace id, newest first. */
  Mono<Map<String, TraceSummary>> read(PollCursor.Window window) {
    AtomicInteger pages = new AtomicInteger(1);
    int maxPages = source.settings().tuning().maxPagesPerPoll();
    return api.getTraceSummaries(request(window, null))
        .expand(
            page -> {
              String token = page.nextToken();
              if (token == null || token.isEmpty()) return Mono.empty();
              if (pages.incrementAndGet() > maxPages) return Mono.<GetTraceSummariesResponse>error(new TooManyPages(maxPages));
              return api.getTraceSummaries(request(window, token));
            })
        .<Map<String, TraceSummary>>collect(
            LinkedHashMap::new,
            (found, page) -> {
              for (TraceSummary s : page.traceSummaries()) {
                if (s.id() != null && !s.id().isEmpty()) found.putIfAbsent(s.id(), s); // newest page first
              }
            });
  }

  /** A window with more summary pages than one tick reads ({@code maxPagesPerPoll}): the poller narrows the next ones. */
  static final class TooManyPages extends IllegalStateException {
    TooManyPages(int maxPages) {
      super("GetTraceSummaries returned more than " + maxPages + " pages for one window", null);
    }
  }

  private GetTraceSummariesRequest request(PollCursor.Window window, String token) {
    GetTraceSummariesRequest.Builder b =
        GetTraceSummariesRequest.builder()
            .startTime(window.from())
            .endTime(window.to())
            .timeRangeType(TimeRangeType.EVENT)
            .sampling(false);
    if (!source.settings().filterExpression().isEmpty()) b.filterExpression(source.settings().filterExpression());
    if (token != null) b.nextToken(token);
    return b.build();
  }

  /**
   * The ids to fetch: summaries not processed at their revision, and held traces that are due; each
   * id's revision goes into {@code revisions} (-1 for a held trace fetched without a summary).
   */
  List<String> select(PollCursor.Window window, Map<String, TraceSummary> found, Map<String, Integer> revisions) {
    List<String> ids = new ArrayList<>();
    int skipped = 0;
    XRayPollState state = source.state();
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
        revisions.put(s.id(), revision);
      }
      for (String id : delivered.heldDue(window.now(), source.settings().inProgressTimeout())) {
        if (!revisions.containsKey(id)) {
          ids.add(id);
          revisions.put(id, -1);
        }
      }
    }
    source.metrics().summariesSkipped(skipped);
    source.metrics().summariesFetched(found.size() - skipped);
    return ids;
  }

  private static boolean heldNeedsFetch(TraceProgress p, boolean partial) {
    return !p.held.isEmpty() && !partial; // the in-progress document completed (a due hold is fetched separately)
  }
}
