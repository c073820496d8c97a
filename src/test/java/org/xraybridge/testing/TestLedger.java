package org.xraybridge.testing;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;

/**
 * The one test ledger: remembers every report so tests can assert on any term of the ledger's
 * identity. Thread-safe.
 */
public final class TestLedger implements Ledger {

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
    add("dropped." + stage.name() + "." + reason.tag(), spans);
  }

  @Override
  public void produced(Half half, long spans) {
    add("produced." + half.tag(), spans);
  }

  @Override
  public void consumed(Half half, long spans) {
    add("consumed." + half.tag(), spans);
  }

  @Override
  public void documentRejected(Half half, DocumentReason reason) {
    add("rejected." + half.tag() + "." + reason.tag(), 1);
  }

  @Override
  public void repaired(String what) {
    add("repaired." + what, 1);
  }

  public long received(Half half) {
    return get("received." + half.tag());
  }

  /** Spans received from every half. */
  public long received() {
    long n = 0;
    for (Half h : Half.values()) n += received(h);
    return n;
  }

  public long produced(Half half) {
    return get("produced." + half.tag());
  }

  public long consumed(Half half) {
    return get("consumed." + half.tag());
  }

  public long recovered() {
    return get("recovered");
  }

  public long forwarded() {
    return get("forwarded");
  }

  public long dropped(Stage stage, Reason reason) {
    return get("dropped." + stage.name() + "." + reason.tag());
  }

  /** Spans dropped for {@code reason} at any stage. */
  public long dropped(Reason reason) {
    long n = 0;
    for (Stage s : Stage.values()) n += dropped(s, reason);
    return n;
  }

  /** Spans dropped at {@code stage} for any reason. */
  public long dropped(Stage stage) {
    long n = 0;
    for (Reason r : Reason.values()) n += dropped(stage, r);
    return n;
  }

  /** Every span dropped. */
  public long dropped() {
    long n = 0;
    for (Stage s : Stage.values()) n += dropped(s);
    return n;
  }

  /** Drops by reason at {@code stage}, reasons with none left out. */
  public Map<Reason, Long> drops(Stage stage) {
    Map<Reason, Long> out = new EnumMap<>(Reason.class);
    for (Reason r : Reason.values()) {
      long n = dropped(stage, r);
      if (n > 0) out.put(r, n);
    }
    return out;
  }

  /** Whether anything was dropped at a stage other than {@code stage}. */
  public boolean droppedElsewhereThan(Stage stage) {
    for (Stage s : Stage.values()) if (s != stage && dropped(s) > 0) return true;
    return false;
  }

  public long rejected(Half half, DocumentReason reason) {
    return get("rejected." + half.tag() + "." + reason.tag());
  }

  /** Documents rejected for {@code reason} from any half. */
  public long rejected(DocumentReason reason) {
    long n = 0;
    for (Half h : Half.values()) n += rejected(h, reason);
    return n;
  }

  /** Every document rejected. */
  public long rejected() {
    long n = 0;
    for (DocumentReason r : DocumentReason.values()) n += rejected(r);
    return n;
  }

  public long repairs(String what) {
    return get("repaired." + what);
  }

  private long get(String key) {
    LongAdder a = counts.get(key);
    return a == null ? 0 : a.sum();
  }

  private void add(String key, long n) {
    counts.computeIfAbsent(key, k -> new LongAdder()).add(n);
  }

  @Override
  public String toString() {
    return new java.util.TreeMap<>(counts).toString();
  }
}
