package org.xraybridge.source.xray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The X-Ray source's meters, all registered at construction so every series exists from start-up.
 * Spans and rejected documents are accounted in the {@link org.xraybridge.model.Ledger}; these are
 * about the API and the poll loop.
 *
 * <ul>
 *   <li>{@code bridge.xray.api.calls{operation, outcome}} — every attempt of an API call. operation:
 *       {@code get_trace_summaries}, {@code batch_get_traces}, {@code get_trace_segment_destination};
 *       outcome: {@code success}, {@code throttled} (429), {@code server_error} (5xx),
 *       {@code client_error} (other 4xx), {@code timeout}, {@code io_error}, {@code malformed}
 *       (unreadable response), {@code circuit_open} (not sent).
 *   <li>{@code bridge.xray.polls{outcome}} — ticks: {@code completed} (cursor moved), {@code failed},
 *       {@code overloaded} (the sink said OVERLOADED: cursor held), {@code clock_behind} (now − lag is
 *       not after the cursor: nothing polled), {@code skipped} (the previous poll was still running).
 *   <li>{@code bridge.xray.poll.duration} — timer of ticks that polled.
 *   <li>{@code bridge.xray.summaries} {@code {result=fetched|skipped}} — summaries whose trace was
 *       fetched, or skipped because their {@code (Id, Revision)} was processed already.
 *   <li>{@code bridge.xray.traces.polled}, {@code bridge.xray.segments.polled} — traces and segment
 *       documents BatchGetTraces returned.
 *   <li>{@code bridge.xray.segments.delivered} — documents handed on (in chunks the sink accepted);
 *       {@code bridge.xray.segments.skipped} — documents not handed on because they were delivered before.
 *   <li>{@code bridge.xray.traces.unprocessed{outcome=retried|counted}} — ids in
 *       {@code UnprocessedTraceIds}: retried once, then counted (the ledger's {@code unprocessed}).
 *   <li>{@code bridge.xray.traces.limit_exceeded} — traces X-Ray truncated ({@code LimitExceeded}),
 *       handed on with the flag so the converter tags their spans.
 *   <li>{@code bridge.xray.traces.missing} — ids asked for that came back neither as a trace nor as
 *       unprocessed (expired, or the account sends segments to CloudWatch Logs).
 *   <li>{@code bridge.xray.traces.held} (gauge) — traces with in-progress documents held back.
 *   <li>{@code bridge.xray.delivered.evicted} — traces forgotten by the delivered set's size bound
 *       before their time (a late segment of theirs could be sent twice).
 *   <li>{@code bridge.xray.converter.failures} — documents skipped because the converter threw (a bug:
 *       its contract is to count bad input, not throw).
 *   <li>{@code bridge.xray.cursor.lag.seconds} (gauge) — now − cursor.
 *   <li>{@code bridge.xray.checkpoint.writes{outcome=ok|failed}}.
 * </ul>
 *
 * Thread-safe.
 */
final class XRaySourceMetrics {

  /** The X-Ray operations the poller calls. */
  enum Operation {
    GET_TRACE_SUMMARIES,
    BATCH_GET_TRACES,
    GET_TRACE_SEGMENT_DESTINATION;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What one API attempt came to. */
  enum CallOutcome {
    SUCCESS,
    THROTTLED,
    SERVER_ERROR,
    CLIENT_ERROR,
    TIMEOUT,
    IO_ERROR,
    MALFORMED,
    CIRCUIT_OPEN;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Map<Operation, Map<CallOutcome, Counter>> calls = new EnumMap<>(Operation.class);
  private final Map<PollOutcome, Counter> polls = new EnumMap<>(PollOutcome.class);
  final Timer pollDuration;
  final Counter summariesFetched;
  final Counter summariesSkipped;
  final Counter tracesPolled;
  final Counter segmentsPolled;
  final Counter segmentsDelivered;
  final Counter segmentsSkipped;
  final Counter unprocessedRetried;
  final Counter unprocessedCounted;
  final Counter limitExceeded;
  final Counter missing;
  final Counter evicted;
  final Counter converterFailures;
  final Counter checkpointOk;
  final Counter checkpointFailed;

  XRaySourceMetrics(MeterRegistry registry, Supplier<Number> cursorLagSeconds, Supplier<Number> heldTraces) {
    for (Operation op : Operation.values()) {
      Map<CallOutcome, Counter> byOutcome = new EnumMap<>(CallOutcome.class);
      for (CallOutcome o : CallOutcome.values()) {
        byOutcome.put(
            o,
            Counter.builder("bridge.xray.api.calls")
                .description("X-Ray API call attempts by operation and outcome")
                .tag("operation", op.tag())
                .tag("outcome", o.tag())
                .register(registry));
      }
      calls.put(op, byOutcome);
    }
    for (PollOutcome o : PollOutcome.values()) {
      if (o == PollOutcome.NONE) continue; // a status value, never a tick's outcome
      polls.put(
          o,
          Counter.builder("bridge.xray.polls")
              .description("Poll ticks by outcome")
              .tag("outcome", o.tag())
              .register(registry));
    }
    pollDuration = Timer.builder("bridge.xray.poll.duration").description("Time one poll tick took").register(registry);
    summariesFetched = Counter.builder("bridge.xray.summaries").tag("result", "fetched").register(registry);
    summariesSkipped = Counter.builder("bridge.xray.summaries").tag("result", "skipped").register(registry);
    tracesPolled = Counter.builder("bridge.xray.traces.polled").register(registry);
    segmentsPolled = Counter.builder("bridge.xray.segments.polled").register(registry);
    segmentsDelivered = Counter.builder("bridge.xray.segments.delivered").register(registry);
    segmentsSkipped = Counter.builder("bridge.xray.segments.skipped").register(registry);
    unprocessedRetried = Counter.builder("bridge.xray.traces.unprocessed").tag("outcome", "retried").register(registry);
    unprocessedCounted = Counter.builder("bridge.xray.traces.unprocessed").tag("outcome", "counted").register(registry);
    limitExceeded = Counter.builder("bridge.xray.traces.limit_exceeded").register(registry);
    missing = Counter.builder("bridge.xray.traces.missing").register(registry);
    evicted = Counter.builder("bridge.xray.delivered.evicted").register(registry);
    converterFailures = Counter.builder("bridge.xray.converter.failures").register(registry);
    checkpointOk = Counter.builder("bridge.xray.checkpoint.writes").tag("outcome", "ok").register(registry);
    checkpointFailed = Counter.builder("bridge.xray.checkpoint.writes").tag("outcome", "failed").register(registry);
    Gauge.builder("bridge.xray.cursor.lag.seconds", cursorLagSeconds).description("now - poll cursor").register(registry);
    Gauge.builder("bridge.xray.traces.held", heldTraces).description("traces with in-progress documents held back").register(registry);
  }

  void call(Operation op, CallOutcome outcome) {
    calls.get(op).get(outcome).increment();
  }

  double calls(Operation op, CallOutcome outcome) {
    return calls.get(op).get(outcome).count();
  }

  void poll(PollOutcome outcome) {
    polls.get(outcome).increment();
  }

  double polls(PollOutcome outcome) {
    return polls.get(outcome).count();
  }
}
