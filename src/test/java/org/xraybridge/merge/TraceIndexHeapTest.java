package org.xraybridge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.TraceKey;

/**
 * Heap cost of one indexed trace, measured: fill an index, compare heap after full GCs. Prints the
 * figure (it goes in RATIONALE.md) and holds it to the target of 128 bytes, well above the
 * ≈61 measured, since GC accounting moves a little between runs — this is a measurement, not a timing.
 */
class TraceIndexHeapTest {

  @Test
  void heapPerIndexedTrace_isMeasuredAndBounded() {
    // -Dindex.heap.traces=N measures another size (README and RATIONALE quote 2,000,000, the default bound)
    int n = Integer.getInteger("index.heap.traces", 200_000);
    long before = usedAfterGc();
    TraceIndex index = new TraceIndex(n, Duration.ofMinutes(30), new StitcherTest.FakeTicker(), Scheduler.disabledScheduler());
    for (int i = 1; i <= n; i++) {
      long id = i * 0x9E3779B97F4A7C15L;
      index.recordNative(TraceKey.of(id), id, (i & 1) == 0 ? 0x6b0bb2f800000000L : 0, (i % 3) == 0 ? "prod" : "staging", 1, 1_795_000_000L);
    }
    index.cleanUp();
    long after = usedAfterGc();
    double perEntry = (after - before) / (double) n;
    System.out.printf("trace index: %.1f bytes of heap per indexed trace (%d entries)%n", perEntry, index.size());
    assertThat(index.size()).isEqualTo(n);
    assertThat(perEntry).isLessThanOrEqualTo(128);
    assertThat(index.get(TraceKey.of(0x9E3779B97F4A7C15L))).isNotNull(); // keep it reachable until here
  }

  private static long usedAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
