package org.xraybridge.source.xray;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;

/** A ledger that counts what tests look at. */
final class CountingLedger implements Ledger {
  final AtomicLong receivedPoll = new AtomicLong();
  final Map<DocumentReason, AtomicLong> rejected = new ConcurrentHashMap<>();

  @Override
  public void received(Half half, long spans) {
    if (half == Half.XRAY_POLL) receivedPoll.addAndGet(spans);
  }

  @Override
  public void recovered(long spans) {}

  @Override
  public void forwarded(long spans) {}

  @Override
  public void dropped(Stage stage, Reason reason, long spans) {}

  @Override
  public void documentRejected(Half half, DocumentReason reason) {
    rejected.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public void repaired(String what) {}

  long rejected(DocumentReason reason) {
    AtomicLong n = rejected.get(reason);
    return n == null ? 0 : n.get();
  }
}
