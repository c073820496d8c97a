package org.xraybridge.model;

/**
 * The one account of every span and segment document that enters the bridge. Stages report here;
 * {@code ops.DropLedger} turns the reports into pre-registered counters.
 *
 * <p>Span identity that must hold at every instant (asserted by tests and printed by the load bench):
 *
 * <pre>
 *   received(NATIVE) + received(XRAY_POLL) + received(XRAY_DAEMON) + received(XRAY_LOGS) + recovered
 *       = forwarded + Σ dropped(stage, reason) + in flight
 * </pre>
 *
 * where "in flight" is what the merge buffer, the forward queue, the senders and the disk spool hold
 * at that moment, and "recovered" is what a start-up found in the spool. In kafka mode spans also
 * cross replicas through the spans topic: a replica adds {@link #consumed} on the left and
 * {@link #produced} on the right, and its in flight includes what waits for Kafka's acknowledgement
 * (docs/cluster.md, "The ledger across replicas"). Documents are counted apart:
 * a rejected segment document yields no span, so it appears only in {@link #documentRejected}.
 *
 * <p>Implementations are thread-safe and never block.
 */
public interface Ledger {

  /** Where spans leave the pipeline without being forwarded. */
  enum Stage {
    RECEIVE,
    CONVERT,
    MERGE,
    FORWARD,
    /** Kafka mode: a spans-topic record this replica could not read (docs/cluster.md). */
    CLUSTER
  }

  /** Why spans were dropped. Metric tag values are the lower-case names. */
  enum Reason implements MetricTag {
    /** The bytes could not be decoded (bad msgpack/JSON framing around these spans). */
    MALFORMED,
    /** A request body or a single trace larger than the configured bound. */
    OVERSIZED,
    /** A span that violates the wire contract (trace_id or span_id 0, foreign trace id). */
    INVALID,
    /** A bounded hand-off was full; the producer was told (429) or, as the Agent does, answered 200. */
    OVERLOADED,
    /** The trace's sampling decision is "drop" (priority ≤ 0 decided by the first half seen). */
    SAMPLED_OUT,
    /** The same (trace key, span id) was already forwarded or is already in the batch. */
    DUPLICATE,
    /** The next hop answered a non-retryable 4xx. */
    REJECTED,
    /** Retries and the spool were exhausted, or the spool was full and dropped its oldest payload. */
    SPOOL_FULL,
    /** Shutdown could neither deliver nor spool these spans within its bound. */
    SHUTDOWN,
    /** A stage failed unexpectedly on these spans (a bug, logged with its stack trace). */
    INTERNAL
  }

  /** Why a segment document was rejected or repaired. */
  enum DocumentReason implements MetricTag {
    MALFORMED_JSON,
    OVERSIZED,
    MISSING_FIELD,
    MALFORMED_ID,
    DUPLICATE_ID,
    ABSURD_TIME,
    TOO_DEEP,
    NOT_A_SEGMENT,
    UNPROCESSED,
    IN_PROGRESS_EXPIRED,
    /** Buffered, waiting for its trace, and given up: past a capacity bound, too long held, or at shutdown. */
    EVICTED
  }

  /** Spans taken in from a half. */
  void received(Half half, long spans);

  /** Spans found in the spool at start-up (taken in by an earlier run). */
  void recovered(long spans);

  /** Spans the next hop acknowledged with a 2xx (or the embedded sink recorded). */
  void forwarded(long spans);

  /** Spans that left the pipeline without being forwarded. */
  void dropped(Stage stage, Reason reason, long spans);

  /** Kafka mode: spans of {@code half} this replica put on the spans topic, acknowledged (they leave it). */
  void produced(Half half, long spans);

  /** Kafka mode: spans of {@code half} this replica read from the spans topic into its merge stage. */
  void consumed(Half half, long spans);

  /** A segment document (or a part of one) that was rejected: it yields no span. */
  void documentRejected(Half half, DocumentReason reason);

  /** Something small was repaired rather than rejected (negative duration, cut metadata …). */
  void repaired(String what);

  /** A ledger that keeps nothing: for offline tools and tests that do not look. */
  Ledger NONE =
      new Ledger() {
        @Override public void received(Half half, long spans) {}
        @Override public void recovered(long spans) {}
        @Override public void forwarded(long spans) {}
        @Override public void dropped(Stage stage, Reason reason, long spans) {}
        @Override public void produced(Half half, long spans) {}
        @Override public void consumed(Half half, long spans) {}
        @Override public void documentRejected(Half half, DocumentReason reason) {}
        @Override public void repaired(String what) {}
      };
}
