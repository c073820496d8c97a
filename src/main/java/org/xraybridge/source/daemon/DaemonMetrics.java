package org.xraybridge.source.daemon;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.xraybridge.model.MetricTag;

/**
 * What the X-Ray daemon input counts, beside the ledger (which counts spans and rejected documents);
 * the {@code ops} implementation names the meters ({@code bridge.daemon.*}). Once the hand-off is
 * empty the books close: every datagram read has one {@link DatagramOutcome}, and every accepted one
 * ends in one {@link DocumentOutcome} or is still buffered. Thread-safe.
 */
public interface DaemonMetrics {

  /** What became of an accepted document. Tag values are the lower-case names. */
  enum DocumentOutcome implements MetricTag {
    /** Its chunk was accepted by the merge stage (spans are counted received there). */
    DELIVERED,
    /** The converter rejected it with a counted reason (ledger {@code bridge_documents_rejected_total}). */
    REJECTED,
    /** An in-progress version replaced by a later version with the same id. */
    SUPERSEDED,
    /** A complete document whose id was already buffered or delivered (ledger {@code duplicate_id}). */
    DUPLICATE,
    /** Its chunk was dropped because the merge stage stayed full beyond the caps (spans in the ledger). */
    DROPPED_OVERLOADED,
    /** In progress and never completed, and the converter would not emit it: evicted at a cap or given up. */
    DROPPED_IN_PROGRESS,
    /** Still buffered when a stop ran out of time. */
    DROPPED_SHUTDOWN,
    /** The converter or the merge stage failed unexpectedly (a bug; logged). */
    DROPPED_ERROR
  }

  /** Why a trace's documents were converted. */
  enum FlushReason implements MetricTag {
    /** The trace has a segment and nothing arrived for the quiet period. */
    QUIET,
    /** The assembly window since the first piece closed. */
    WINDOW,
    /** Independent subsegments whose segment never came: the orphan window closed. */
    ORPHAN,
    /** A cap was reached and this was the oldest trace. */
    EARLY,
    /** A held in-progress document reached its timeout. */
    IN_PROGRESS,
    /** The listener is stopping. */
    STOP
  }

  /** What became of a datagram relayed to a real X-Ray daemon. */
  enum RelayOutcome implements MetricTag {
    SENT,
    /** A write error, or the relay backlog was full. */
    FAILED,
    /** Oversize: cut by the read, so it cannot be relayed unchanged. */
    SKIPPED
  }

  /** A datagram read from the socket, and what became of it. */
  void datagram(DatagramOutcome outcome);

  /** {@code count} accepted documents came to {@code outcome}. */
  void documents(DocumentOutcome outcome, long count);

  /** A trace's documents were converted as one chunk. */
  void flushed(FlushReason reason);

  /** A datagram relayed, or not, to a real X-Ray daemon. */
  void relay(RelayOutcome outcome);

  /**
   * Where the gauges read the input's levels: what assembly holds, the datagrams handed off by the
   * network thread and not yet assembled, and the kernel's drop count for the socket (reads
   * {@code /proc}: call it from a scrape, never a hot path). Called once, by the listener.
   */
  void levels(Supplier<DaemonLevels> buffered, LongSupplier queuedDatagrams, LongSupplier kernelDropped);

  /** Counts nothing. */
  DaemonMetrics NOOP =
      new DaemonMetrics() {
        @Override
        public void datagram(DatagramOutcome outcome) {}

        @Override
        public void documents(DocumentOutcome outcome, long count) {}

        @Override
        public void flushed(FlushReason reason) {}

        @Override
        public void relay(RelayOutcome outcome) {}

        @Override
        public void levels(Supplier<DaemonLevels> buffered, LongSupplier queuedDatagrams, LongSupplier kernelDropped) {}
      };
}
