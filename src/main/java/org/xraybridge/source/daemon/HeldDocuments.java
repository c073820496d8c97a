package org.xraybridge.source.daemon;

import java.util.Comparator;
import java.util.TreeSet;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.source.daemon.DaemonMetrics.DocumentOutcome;

/**
 * The in-progress documents the converter held back, earliest retry first. A held document rides
 * along with every later conversion of its trace (an in-progress segment names the service of its
 * streamed subsegments), is superseded by a later version with the same id, and is converted again
 * once the in-progress timeout passes: the converter then emits it as it is (docs/conversion.md "In
 * progress"). One still held after twice the timeout (a clock far ahead) is given up and counted.
 * Confined to the assembler thread.
 */
final class HeldDocuments {

  /** One held document and when it is converted again. */
  static final class Held {
    final PendingTrace trace;
    final DaemonDocument doc;
    final long arrival;
    long due;
    long seq;

    Held(PendingTrace trace, DaemonDocument doc, long arrival, long due, long seq) {
      this.trace = trace;
      this.doc = doc;
      this.arrival = arrival;
      this.due = due;
      this.seq = seq;
    }
  }

  private final TreeSet<Held> queue =
      new TreeSet<>(Comparator.comparingLong((Held h) -> h.due).thenComparingLong(h -> h.seq));
  private final long timeoutNanos;
  private final long retryNanos;
  private final Ledger ledger;
  private final DaemonMetrics metrics;
  private long seq;
  private int documents;
  private long bytes;

  HeldDocuments(long timeoutNanos, long tickNanos, Ledger ledger, DaemonMetrics metrics) {
    this.timeoutNanos = timeoutNanos;
    this.retryNanos = Math.max(timeoutNanos / 10, tickNanos);
    this.ledger = ledger;
    this.metrics = metrics;
  }

  void hold(PendingTrace t, DaemonDocument d, long now) {
    Held h = new Held(t, d, now, now + timeoutNanos, seq++);
    t.held.put(d.id(), h);
    if (d.segment()) t.heldSegments++;
    queue.add(h);
    documents++;
    bytes += d.bytes();
  }

  /** Takes {@code h} out: superseded, emitted, rejected, or given up. */
  void release(Held h) {
    h.trace.held.remove(h.doc.id());
    if (h.doc.segment()) h.trace.heldSegments--;
    queue.remove(h);
    documents--;
    bytes -= h.doc.bytes();
  }

  /** Releases {@code h} and counts it lost ({@code outcome}, ledger {@code evicted}). */
  void giveUp(Held h, DocumentOutcome outcome) {
    release(h);
    metrics.documents(outcome, 1);
    ledger.documentRejected(Half.XRAY_DAEMON, DocumentReason.EVICTED);
  }

  /** The converter still holds {@code h} past its timeout: try again a little later, up to twice the timeout. */
  void retryOrGiveUp(Held h, long now) {
    if (now - h.arrival >= 2 * timeoutNanos) {
      giveUp(h, DocumentOutcome.DROPPED_IN_PROGRESS);
      return;
    }
    queue.remove(h);
    h.due = now + retryNanos;
    h.seq = seq++;
    queue.add(h);
  }

  /** The document converted again soonest; null when none is held. */
  Held first() {
    return queue.isEmpty() ? null : queue.first();
  }

  int documents() {
    return documents;
  }

  long bytes() {
    return bytes;
  }
}
