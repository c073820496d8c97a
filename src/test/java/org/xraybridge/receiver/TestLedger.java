package org.xraybridge.receiver;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;

/** A ledger that remembers every report, for assertions. Thread-safe. */
final class TestLedger implements Ledger {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void received(Half half, long spans) {
    add("received." + half.tag(), spans);
  }

  @Override
  public void recovered(long spans) {
    add("recovered", spans);
  }

  @Override
  public void forwarded(long spans) {
    add("forwarded", spans);
  }

  @Override
  public void dropped(Stage stage, Reason reason, long spans) {
    add("dropped." + stage.name().toLowerCase() + "." + reason.tag(), spans);
  }

  @Override
  public void documentRejected(Half half, DocumentReason reason) {
    add("rejected." + reason.tag(), 1);
  }

  @Override
  public void repaired(String what) {
    add("repaired." + what, 1);
  }

  long received() {
    return get("received.native");
  }

  long dropped(Reason reason) {
    return get("dropped.receive." + reason.tag());
  }

  long droppedAtReceive() {
    long n = 0;
    for (Reason r : Reason.values()) n += dropped(r);
    return n;
  }

  long repairs(String what) {
    return get("repaired." + what);
  }

  long get(String key) {
    LongAdder a = counts.get(key);
    return a == null ? 0 : a.sum();
  }

  private void add(String key, long n) {
    counts.computeIfAbsent(key, k -> new LongAdder()).add(n);
  }

  @Override
  public String toString() {
    return counts.toString();
  }
}
