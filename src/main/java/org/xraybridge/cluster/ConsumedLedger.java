package org.xraybridge.cluster;

import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;

/**
 * The ledger as a kafka-mode merge stage sees it: what such a stage takes in comes from the spans
 * topic, so its {@code received} is this replica's {@code consumed} (the replica that took the spans in
 * from outside counted them received). Everything else passes through (docs/cluster.md, "The ledger
 * across replicas").
 */
public final class ConsumedLedger implements Ledger {

  private final Ledger ledger;

  public ConsumedLedger(Ledger ledger) {
    this.ledger = ledger;
  }

  @Override public void received(Half half, long spans) { ledger.consumed(half, spans); }
  @Override public void recovered(long spans) { ledger.recovered(spans); }
  @Override public void forwarded(long spans) { ledger.forwarded(spans); }
  @Override public void dropped(Stage stage, Reason reason, long spans) { ledger.dropped(stage, reason, spans); }
  @Override public void produced(Half half, long spans) { ledger.produced(half, spans); }
  @Override public void consumed(Half half, long spans) { ledger.consumed(half, spans); }
  @Override public void documentRejected(Half half, DocumentReason reason) { ledger.documentRejected(half, reason); }
  @Override public void repaired(String what) { ledger.repaired(what); }
}
