package org.xraybridge.model;

/**
 * What the forward stage tells whoever handed it a batch about the batch's spans, once each is past
 * changing its mind: {@link #settled} when delivered to the next hop or dropped for a reason no retry
 * could fix (rejected by the hop, oversized, sampled out), {@link #abandoned} when it gave up without an
 * outcome (stopped before delivering). Kafka mode commits a record's offset only once every span read
 * from it settled (docs/cluster.md, "Kafka is the buffer"); single mode hands {@link #NONE}.
 *
 * <p>Called from the forward stage's threads; implementations are quick, thread-safe and never throw.
 */
public interface Receipt {

  /** {@code spans} reached their final outcome. */
  void settled(long spans);

  /** {@code spans} were given up without an outcome: their source still owns them. */
  void abandoned(long spans);

  /** Nobody is waiting. */
  Receipt NONE = new Receipt() {
    @Override public void settled(long spans) {}
    @Override public void abandoned(long spans) {}
    @Override public String toString() { return "Receipt.NONE"; }
  };
}
