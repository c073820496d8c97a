package org.xraybridge.forward.delivery;

import java.util.concurrent.atomic.AtomicLong;
import org.xraybridge.model.Ledger;

/**
 * The forward stage's side of the ledger: every span handed in is {@linkplain #taken taken} (or
 * {@linkplain #recovered recovered} from the spool at start-up) and later either {@linkplain
 * #forwarded forwarded} or {@linkplain #dropped dropped} with a reason, exactly once. What is in
 * between is {@link #inFlight()}: held by the assembler, the queue, a sender or the spool.
 *
 * <pre>
 *   taken + recovered = forwarded + Σ dropped(FORWARD, reason) + inFlight
 * </pre>
 *
 * <p>The totals are the ledger's; only what is in flight, a level, is kept here. Thread-safe.
 */
public final class Accounting {
  private final Ledger ledger;
  private final AtomicLong inFlight = new AtomicLong();

  public Accounting(Ledger ledger) {
    this.ledger = ledger;
  }

  public void taken(long spans) {
    inFlight.addAndGet(spans);
  }

  public void recovered(long spans) {
    if (spans <= 0) return;
    inFlight.addAndGet(spans);
    ledger.recovered(spans);
  }

  public void forwarded(long spans) {
    if (spans <= 0) return;
    inFlight.addAndGet(-spans);
    ledger.forwarded(spans);
  }

  public void dropped(Ledger.Reason reason, long spans) {
    if (spans <= 0) return;
    inFlight.addAndGet(-spans);
    ledger.dropped(Ledger.Stage.FORWARD, reason, spans);
  }

  public long inFlight() {
    return inFlight.get();
  }
}
