package org.xraybridge.source.xray;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.source.poll.PollCursor;
import org.xraybridge.source.xray.XRayCheckpoint.HeldEvent;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;

/**
 * Reads one window of {@code aws/spans} (the logs path of Transaction Search): FilterLogEvents on the
 * event time, {@code [from, to)} as milliseconds ({@code startTime} and {@code endTime} both count,
 * so the end sent is {@code to − 1 ms}), every page until no {@code nextToken} comes back — a page
 * may be empty and still carry one — each page's records handed on trace by trace
 * ({@link RecordDelivery}) before the next is asked, and the checkpoint written when due. At the end,
 * held records whose in-progress timeout passed are offered again. A window of more than
 * {@code maxLogPagesPerPoll} pages is read in steps: the tick hands on what it read and stops, the
 * cursor stays, and the next tick reads on with the same window and the {@code nextToken} it stopped
 * at (kept in memory: after a restart the window is read again from its start, and what was sent is
 * not sent again). docs/xray-source.md "Transaction Search".
 */
final class LogsWindowFetch {

  private static final Logger log = LoggerFactory.getLogger(LogsWindowFetch.class);

  private final SourceContext source;
  private final LogsApi api;
  private final RecordDelivery delivery;
  /** Where a window cut at the page bound stopped; read on by the next tick whose window starts where it did. */
  private volatile Pending pending;

  /** A window read in part: its bounds and the token of its next page. */
  private record Pending(Instant from, Instant to, String token) {}

  LogsWindowFetch(SourceContext source, LogsApi api, RecordDelivery delivery) {
    this.source = source;
    this.api = api;
    this.delivery = delivery;
  }

  /**
   * Completes with what was read: the window (or the one a previous tick left unfinished, when it
   * starts where {@code window} does) whole, or in part when the page bound cut it.
   */
  Mono<Reached> read(PollCursor.Window window) {
    Pending p = pending;
    pending = null;
    boolean goOn = p != null && p.from().equals(window.from());
    PollCursor.Window target = goOn ? new PollCursor.Window(window.now(), p.from(), p.to()) : window;
    Progress progress = new Progress();
    int maxPages = source.settings().search().tuning().maxLogPagesPerPoll();
    return page(target, goOn ? p.token() : null)
        .expand(
            page -> {
              String next = page.nextToken();
              if (next == null || next.isEmpty()) return Mono.empty();
              if (progress.pages.get() >= maxPages) {
                progress.next = next;
                return Mono.empty();
              }
              return source.checkpoints().writeIfDue().then(page(target, next));
            })
        .doOnNext(page -> handOn(target, page, progress))
        .then(Mono.fromCallable(() -> finish(target, progress)));
  }

  private Mono<FilterLogEventsResponse> page(PollCursor.Window window, String token) {
    String group = source.settings().search().spansLogGroup();
    FilterLogEventsRequest.Builder b =
        FilterLogEventsRequest.builder()
            .startTime(window.from().toEpochMilli())
            .endTime(window.to().toEpochMilli() - 1);
    // an ARN names a log group of another account (a monitoring account's view); a name, this account's
    if (group.startsWith("arn:")) b.logGroupIdentifier(group);
    else b.logGroupName(group);
    if (token != null) b.nextToken(token);
    return api.filterLogEvents(b.build());
  }

  /** One page: its records by trace, each trace handed on under the state lock. */
  private void handOn(PollCursor.Window window, FilterLogEventsResponse page, Progress progress) {
    progress.pages.incrementAndGet();
    List<FilteredLogEvent> events = page.events();
    source.metrics().logEventsRead(events.size());
    Map<String, List<LogEvent>> byTrace = new LinkedHashMap<>();
    List<LogEvent> lone = new ArrayList<>(0);
    for (FilteredLogEvent e : events) {
      String message = e.message() == null ? "" : e.message();
      String id = e.eventId() == null ? "" : e.eventId();
      long at = e.timestamp() == null ? 0 : e.timestamp();
      LogEvent event = new LogEvent(id, at, message, EventScan.of(message));
      if (event.ids().traceKey().isEmpty()) lone.add(event);
      else byTrace.computeIfAbsent(event.ids().traceKey(), k -> new ArrayList<>()).add(event);
      if (at > progress.lastTimestamp) progress.lastTimestamp = at;
    }
    XRayPollState state = source.state();
    // the lock one trace at a time: a stop waits for one hand-off (kafka mode: one acknowledgement), not a page's
    for (Map.Entry<String, List<LogEvent>> t : byTrace.entrySet()) {
      synchronized (state) {
        state.checkRunning();
        delivery.handOn(state.delivered, state.heldEvents, t.getKey(), t.getValue(), window.now());
      }
    }
    for (LogEvent e : lone) {
      synchronized (state) {
        state.checkRunning();
        delivery.handOn(state.delivered, state.heldEvents, "", List.of(e), window.now());
      }
    }
  }

  /** What was read, after the held records that are due were offered again; a cut window is kept to read on. */
  private Reached finish(PollCursor.Window window, Progress progress) {
    XRayPollState state = source.state();
    synchronized (state) {
      state.checkRunning();
      Set<String> traces = new LinkedHashSet<>();
      for (HeldEvent h : state.heldEvents.due(window.now(), source.settings().inProgressTimeout())) traces.add(h.traceKey());
      for (String trace : traces) delivery.handOn(state.delivered, state.heldEvents, trace, List.of(), window.now());
    }
    if (progress.next == null) return new Reached(window, true);
    pending = new Pending(window.from(), window.to(), progress.next);
    log.info("X-Ray source {}: window [{}, {}) of {} is longer than {} pages; handed on up to {}, the next tick reads on",
        source.settings().name(), window.from(), window.to(), source.settings().search().spansLogGroup(), progress.pages.get(),
        Instant.ofEpochMilli(progress.lastTimestamp));
    return new Reached(window, false);
  }

  /** How far one read got. */
  private static final class Progress {
    final AtomicInteger pages = new AtomicInteger();
    volatile long lastTimestamp;
    volatile String next;
  }
}
