package org.xraybridge.source.xray;

import java.util.function.Supplier;
import org.xraybridge.model.MetricTag;
import org.xraybridge.source.poll.PollOutcome;

/**
 * What an X-Ray source counts, one instance per source; the {@code ops} implementation names the
 * meters ({@code bridge.xray.*}, listed in the README). Spans and rejected documents are accounted
 * in the {@link org.xraybridge.model.Ledger}; these are about the API and the poll loop. Thread-safe.
 */
public interface XRaySourceMetrics {

  /** The X-Ray operations a source calls. */
  enum Operation implements MetricTag {
    GET_TRACE_SUMMARIES,
    BATCH_GET_TRACES,
    GET_TRACE_SEGMENT_DESTINATION,
    /** Transaction Search, the retrieval path. */
    START_TRACE_RETRIEVAL,
    LIST_RETRIEVED_TRACES,
    /** Transaction Search, the logs path (CloudWatch Logs). */
    FILTER_LOG_EVENTS
  }

  /** What one API attempt came to. */
  enum CallOutcome implements MetricTag {
    SUCCESS,
    /** 429 or a throttling error. */
    THROTTLED,
    /** 5xx. */
    SERVER_ERROR,
    /** Any other 4xx: not retried. */
    CLIENT_ERROR,
    TIMEOUT,
    IO_ERROR,
    /** The answer could not be read. */
    MALFORMED,
    /** Not sent: the circuit breaker is open. */
    CIRCUIT_OPEN
  }

  /** One attempt of an API call, by operation and outcome. */
  void apiCall(Operation operation, CallOutcome outcome);

  /** A tick and what it came to (never {@link PollOutcome#NONE}). */
  void poll(PollOutcome outcome);

  /** How long a tick that polled a window took. */
  void pollDuration(long nanos);

  /** Summaries whose trace is fetched. */
  void summariesFetched(int count);

  /** Summaries skipped because their {@code (Id, Revision)} was processed already. */
  void summariesSkipped(int count);

  /** A trace BatchGetTraces returned, with its number of segment documents. */
  void tracePolled(int segments);

  /** Documents handed on in a chunk the sink accepted. */
  void segmentsDelivered(int count);

  /** Documents not handed on because they were delivered before. */
  void segmentsSkipped(int count);

  /** Ids left in {@code UnprocessedTraceIds}, asked again once. */
  void unprocessedRetried(int count);

  /** Ids still unprocessed after that retry (the ledger's {@code unprocessed}). */
  void unprocessedCounted(int count);

  /** A trace X-Ray truncated ({@code LimitExceeded}), handed on with the flag: once a trace, however often it is fetched. */
  void limitExceeded();

  /** An id asked for that came back neither as a trace nor as unprocessed. */
  void traceMissing();

  /** A trace the delivered set's size bound forgot before its time (a late segment of it could go twice). */
  void deliveredEvicted();

  /** Documents skipped because the converter threw (a bug: its contract is to count bad input). */
  void converterFailed(int documents);

  /** A checkpoint write, and whether it succeeded. */
  void checkpointWritten(boolean ok);

  /** Log events FilterLogEvents returned from {@code aws/spans} (the logs path). */
  default void logEventsRead(int count) {}

  /** A switch of the path the source reads by ({@code xray}, {@code logs}, {@code retrieval}). */
  default void pathSwitched(String from, String to) {}

  /**
   * Where the gauges read the source's levels (cursor lag, traces held): its status. Called by each
   * poller of the source as it is built; the levels count only while that status says running.
   */
  void levels(Supplier<XRaySourceStatus> status);

  /** Counts nothing. */
  XRaySourceMetrics NOOP =
      new XRaySourceMetrics() {
        @Override
        public void apiCall(Operation operation, CallOutcome outcome) {}

        @Override
        public void poll(PollOutcome outcome) {}

        @Override
        public void pollDuration(long nanos) {}

        @Override
        public void summariesFetched(int count) {}

        @Override
        public void summariesSkipped(int count) {}

        @Override
        public void tracePolled(int segments) {}

        @Override
        public void segmentsDelivered(int count) {}

        @Override
        public void segmentsSkipped(int count) {}

        @Override
        public void unprocessedRetried(int count) {}

        @Override
        public void unprocessedCounted(int count) {}

        @Override
        public void limitExceeded() {}

        @Override
        public void traceMissing() {}

        @Override
        public void deliveredEvicted() {}

        @Override
        public void converterFailed(int documents) {}

        @Override
        public void checkpointWritten(boolean ok) {}

        @Override
        public void levels(Supplier<XRaySourceStatus> status) {}
      };
}
