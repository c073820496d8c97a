package org.xraybridge.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.source.xray.SourcePath;
import org.xraybridge.source.xray.XRaySourceMetrics;
import org.xraybridge.source.xray.XRaySourceStatus;

/**
 * An X-Ray source's counts as Micrometer meters, all registered at construction so every series
 * exists from start-up (Prometheus names):
 *
 * <ul>
 *   <li>{@code bridge_xray_api_calls_total{operation, outcome}} — every attempt of an API call
 *   <li>{@code bridge_xray_polls_total{outcome}}, {@code bridge_xray_poll_duration_seconds} (ticks that polled)
 *   <li>{@code bridge_xray_summaries_total{result=fetched|skipped}}
 *   <li>{@code bridge_xray_traces_polled_total}, {@code bridge_xray_segments_polled_total},
 *       {@code bridge_xray_segments_delivered_total}, {@code bridge_xray_segments_skipped_total}
 *   <li>{@code bridge_xray_traces_unprocessed_total{outcome=retried|counted}},
 *       {@code bridge_xray_traces_limit_exceeded_total}, {@code bridge_xray_traces_missing_total}
 *   <li>{@code bridge_xray_delivered_evicted_total}, {@code bridge_xray_converter_failures_total}
 *   <li>{@code bridge_xray_checkpoint_writes_total{outcome=ok|failed}}
 *   <li>gauges {@code bridge_xray_cursor_lag_seconds} (now − cursor; NaN where the source is not polled:
 *       not started, stopped, or moved to another replica) and {@code bridge_xray_traces_held} (0 there)
 *   <li>Transaction Search: {@code bridge_xray_log_events_read_total} (events FilterLogEvents returned),
 *       {@code bridge_xray_path_switches_total{from, to}} ({@code xray}, {@code logs}, {@code retrieval})
 * </ul>
 *
 * One instance per source; {@code sourceTags} are added to every meter of it. With one source they
 * are empty; several sources must all carry the same keys (say source, account, region), as
 * Prometheus wants one set of tag keys per name.
 */
public final class MicrometerXRaySourceMetrics implements XRaySourceMetrics {

  private final Map<Operation, Map<CallOutcome, Counter>> calls = new EnumMap<>(Operation.class);
  private final Map<PollOutcome, Counter> polls = new EnumMap<>(PollOutcome.class);
  private final Timer pollDuration;
  private final Counter summariesFetched;
  private final Counter summariesSkipped;
  private final Counter tracesPolled;
  private final Counter segmentsPolled;
  private final Counter segmentsDelivered;
  private final Counter segmentsSkipped;
  private final Counter unprocessedRetried;
  private final Counter unprocessedCounted;
  private final Counter limitExceeded;
  private final Counter missing;
  private final Counter evicted;
  private final Counter converterFailures;
  private final Counter checkpointOk;
  private final Counter checkpointFailed;
  private final Counter logEventsRead;
  private final Map<String, Counter> switches = new HashMap<>();
  private volatile Supplier<XRaySourceStatus> status = () -> null;

  public MicrometerXRaySourceMetrics(MeterRegistry registry, Tags sourceTags) {
    for (Operation op : Operation.values()) {
      Map<CallOutcome, Counter> byOutcome = new EnumMap<>(CallOutcome.class);
      for (CallOutcome o : CallOutcome.values()) {
        byOutcome.put(o, Counter.builder("bridge.xray.api.calls").description("X-Ray API call attempts by operation and outcome")
            .tags(sourceTags).tag("operation", op.tag()).tag("outcome", o.tag()).register(registry));
      }
      calls.put(op, byOutcome);
    }
    for (PollOutcome o : PollOutcome.values()) {
      if (o == PollOutcome.NONE) continue; // a status value, never a tick's outcome
      polls.put(o, Counter.builder("bridge.xray.polls").description("Poll ticks by outcome")
          .tags(sourceTags).tag("outcome", o.tag()).register(registry));
    }
    pollDuration = Timer.builder("bridge.xray.poll.duration").description("Time one poll tick took").tags(sourceTags).register(registry);
    summariesFetched = counter(registry, sourceTags, "bridge.xray.summaries", "result", "fetched");
    summariesSkipped = counter(registry, sourceTags, "bridge.xray.summaries", "result", "skipped");
    tracesPolled = counter(registry, sourceTags, "bridge.xray.traces.polled");
    segmentsPolled = counter(registry, sourceTags, "bridge.xray.segments.polled");
    segmentsDelivered = counter(registry, sourceTags, "bridge.xray.segments.delivered");
    segmentsSkipped = counter(registry, sourceTags, "bridge.xray.segments.skipped");
    unprocessedRetried = counter(registry, sourceTags, "bridge.xray.traces.unprocessed", "outcome", "retried");
    unprocessedCounted = counter(registry, sourceTags, "bridge.xray.traces.unprocessed", "outcome", "counted");
    limitExceeded = counter(registry, sourceTags, "bridge.xray.traces.limit_exceeded");
    missing = counter(registry, sourceTags, "bridge.xray.traces.missing");
    evicted = counter(registry, sourceTags, "bridge.xray.delivered.evicted");
    converterFailures = counter(registry, sourceTags, "bridge.xray.converter.failures");
    checkpointOk = counter(registry, sourceTags, "bridge.xray.checkpoint.writes", "outcome", "ok");
    checkpointFailed = counter(registry, sourceTags, "bridge.xray.checkpoint.writes", "outcome", "failed");
    logEventsRead = counter(registry, sourceTags, "bridge.xray.log.events.read");
    for (SourcePath from : SourcePath.values()) {
      for (SourcePath to : SourcePath.values()) {
        if (from == to) continue;
        switches.put(from.tag() + ">" + to.tag(), Counter.builder("bridge.xray.path.switches")
            .description("Changes of the path a source reads by").tags(sourceTags).tag("from", from.tag()).tag("to", to.tag())
            .register(registry));
      }
    }
    Gauge.builder("bridge.xray.cursor.lag.seconds", this, m -> m.level(s -> s.cursorLag().toMillis() / 1000.0, Double.NaN))
        .description("now - poll cursor").tags(sourceTags).strongReference(true).register(registry);
    Gauge.builder("bridge.xray.traces.held", this, m -> m.level(XRaySourceStatus::heldTraces, 0))
        .description("traces with in-progress documents held back").tags(sourceTags).strongReference(true).register(registry);
  }

  private static Counter counter(MeterRegistry registry, Tags sourceTags, String name, String... tags) {
    return Counter.builder(name).tags(sourceTags).tags(tags).register(registry);
  }

  /**
   * A level of the source while this replica polls it, else {@code notPolledHere}: the meters outlive
   * the poller (kafka mode moves sources), and a stopped poller's cursor lag would grow without end.
   */
  private double level(ToDoubleFunction<XRaySourceStatus> read, double notPolledHere) {
    XRaySourceStatus s = status.get();
    return s == null || s.state() != XRaySourceStatus.State.RUNNING ? notPolledHere : read.applyAsDouble(s);
  }

  @Override
  public void apiCall(Operation operation, CallOutcome outcome) {
    calls.get(operation).get(outcome).increment();
  }

  @Override
  public void poll(PollOutcome outcome) {
    polls.get(outcome).increment();
  }

  @Override
  public void pollDuration(long nanos) {
    pollDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void summariesFetched(int count) {
    summariesFetched.increment(count);
  }

  @Override
  public void summariesSkipped(int count) {
    summariesSkipped.increment(count);
  }

  @Override
  public void tracePolled(int segments) {
    tracesPolled.increment();
    segmentsPolled.increment(segments);
  }

  @Override
  public void segmentsDelivered(int count) {
    segmentsDelivered.increment(count);
  }

  @Override
  public void segmentsSkipped(int count) {
    segmentsSkipped.increment(count);
  }

  @Override
  public void unprocessedRetried(int count) {
    unprocessedRetried.increment(count);
  }

  @Override
  public void unprocessedCounted(int count) {
    unprocessedCounted.increment(count);
  }

  @Override
  public void limitExceeded() {
    limitExceeded.increment();
  }

  @Override
  public void traceMissing() {
    missing.increment();
  }

  @Override
  public void deliveredEvicted() {
    evicted.increment();
  }

  @Override
  public void converterFailed(int documents) {
    converterFailures.increment(documents);
  }

  @Override
  public void checkpointWritten(boolean ok) {
    (ok ? checkpointOk : checkpointFailed).increment();
  }

  @Override
  public void logEventsRead(int count) {
    logEventsRead.increment(count);
  }

  @Override
  public void pathSwitched(String from, String to) {
    Counter c = switches.get(from + ">" + to);
    if (c != null) c.increment();
  }

  @Override
  public void levels(Supplier<XRaySourceStatus> status) {
    this.status = status;
  }
}
