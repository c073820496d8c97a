package org.xraybridge.source.daemon;

import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.XRaySink;
import org.xraybridge.source.daemon.DaemonMetrics.DocumentOutcome;

/**
 * Converted chunks the merge stage refused ({@link Admission#OVERLOADED}), oldest first: offered
 * again every tick, and before any newer chunk, so a trace's chunks keep their order. Their documents
 * already count as delivered context, so a later chunk of the same trace never repeats their spans.
 * A chunk dropped here has its spans counted in the ledger as {@code RECEIVE/<reason>}. Confined to
 * the assembler thread.
 */
final class AwaitingChunks {

  /** A converted chunk, with the documents and bytes it stands for. */
  record Chunk(ConvertedTrace converted, int documents, long bytes) {}

  private static final Logger log = LoggerFactory.getLogger(AwaitingChunks.class);

  private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
  private final XRaySink sink;
  private final Ledger ledger;
  private final DaemonMetrics metrics;
  private int documents;
  private long bytes;

  AwaitingChunks(XRaySink sink, Ledger ledger, DaemonMetrics metrics) {
    this.sink = sink;
    this.ledger = ledger;
    this.metrics = metrics;
  }

  /** Offers {@code c} now unless older chunks wait; keeps it when it was not taken. */
  void offerOrKeep(Chunk c) {
    if (queue.isEmpty() && offer(c)) return;
    queue.addLast(c);
    documents += c.documents();
    bytes += c.bytes();
  }

  /** Offers the waiting chunks, oldest first, until the merge stage refuses one. True when none is left. */
  boolean retry() {
    while (!queue.isEmpty()) {
      Chunk c = queue.peekFirst();
      if (!offer(c)) break;
      remove();
    }
    return queue.isEmpty();
  }

  /** Drops the oldest chunk: its spans go to the ledger as {@code RECEIVE/reason}, its documents to {@code outcome}. */
  void dropOldest(Ledger.Reason reason, DocumentOutcome outcome) {
    Chunk c = remove();
    ledger.dropped(Ledger.Stage.RECEIVE, reason, c.converted().spans().size());
    metrics.documents(outcome, c.documents());
  }

  /** Drops every chunk, counting its spans as {@code RECEIVE/SHUTDOWN}. */
  void dropAll() {
    while (!queue.isEmpty()) dropOldest(Ledger.Reason.SHUTDOWN, DocumentOutcome.DROPPED_SHUTDOWN);
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }

  int documents() {
    return documents;
  }

  long bytes() {
    return bytes;
  }

  private Chunk remove() {
    Chunk c = queue.pollFirst();
    documents -= c.documents();
    bytes -= c.bytes();
    return c;
  }

  /** True when the chunk left this stage (accepted, or dropped on an unexpected failure). */
  private boolean offer(Chunk c) {
    Admission a;
    try {
      a = sink.offer(c.converted());
    } catch (RuntimeException e) {
      log.error("the merge stage failed on X-Ray trace {}; its {} span(s) are dropped", c.converted().xrayTraceId(),
          c.converted().spans().size(), e);
      ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.INTERNAL, c.converted().spans().size());
      metrics.documents(DocumentOutcome.DROPPED_ERROR, c.documents());
      return true;
    }
    if (a != Admission.ACCEPTED) return false;
    metrics.documents(DocumentOutcome.DELIVERED, c.documents());
    return true;
  }
}
