package org.xraybridge.forward;

import java.util.EnumMap;
import java.util.Map;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;

/** A ledger that remembers what the forward stage reported. Thread-safe. */
final class RecordingLedger implements Ledger {
  private long recovered;
  private long forwarded;
  private final EnumMap<Reason, Long> dropped = new EnumMap<>(Reason.class);
  private boolean foreignStage;

  @Override
  public synchronized void received(Half half, long spans) {}

  @Override
  public synchronized void recovered(long spans) {
    recovered += spans;
  }

  @Override
  public synchronized void forwarded(long spans) {
    forwarded += spans;
  }

  @Override
  public synchronized void dropped(Stage stage, Reason reason, long spans) {
    if (stage != Stage.FORWARD) foreignStage = true;
    dropped.merge(reason, spans, Long::sum);
  }

  @Override
  public void documentRejected(Half half, DocumentReason reason) {}

  @Override
  public void repaired(String what) {}

  synchronized long recovered() {
    return recovered;
  }

  synchronized long forwarded() {
    return forwarded;
  }

  synchronized long dropped(Reason reason) {
    return dropped.getOrDefault(reason, 0L);
  }

  synchronized long droppedTotal() {
    long n = 0;
    for (long v : dropped.values()) n += v;
    return n;
  }

  synchronized Map<Reason, Long> drops() {
    return new EnumMap<>(dropped);
  }

  /** Whether anything was reported with a stage other than FORWARD. */
  synchronized boolean foreignStage() {
    return foreignStage;
  }
}
