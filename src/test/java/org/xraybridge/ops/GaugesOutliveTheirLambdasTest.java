package org.xraybridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

/**
 * Micrometer holds a gauge's state object weakly unless told otherwise. The ports hand the ops
 * implementations lambdas that nothing else references, so a weakly held one reads NaN after the
 * first collection: the management port's open-connections gauge did, in production as in CI.
 */
class GaugesOutliveTheirLambdasTest {

  @Test
  void gaugesFedByLambdas_stillReadTheirValue_afterTheGarbageCollectorRan() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // capturing lambdas, as the stages pass (a non-capturing one is a constant the class keeps alive)
    int open = 3;
    long lag = 5;
    boolean reachable = true;
    new MicrometerConnectionMetrics(registry, "bridge.receiver").open(() -> open);
    new MicrometerClusterMetrics(registry).lag(() -> lag);
    new MicrometerPassThroughMetrics(registry).agentReachable(() -> reachable);

    collectUntilWeaklyHeldObjectsAreGone();

    assertThat(registry.get("bridge.receiver.connections.open").gauge().value()).isEqualTo(3.0);
    assertThat(registry.get("bridge.cluster.consumer.lag").gauge().value()).isEqualTo(5.0);
    assertThat(registry.get("bridge.passthrough.agent.reachable").gauge().value()).isEqualTo(1.0);
  }

  /** A sentinel only weakly held is cleared by the same collection that would clear a weakly held gauge source. */
  private static void collectUntilWeaklyHeldObjectsAreGone() {
    WeakReference<Object> sentinel = new WeakReference<>(new Object());
    for (int i = 0; i < 50 && sentinel.get() != null; i++) {
      System.gc();
      Thread.onSpinWait();
    }
    assertThat(sentinel.get()).as("a collection ran").isNull();
  }
}
