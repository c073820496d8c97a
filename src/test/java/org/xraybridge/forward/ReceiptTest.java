package org.xraybridge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Receipt;
import org.xraybridge.ops.MicrometerForwardMetrics;
import org.xraybridge.testing.TestLedger;

/**
 * Kafka mode's forward stage (docs/forward.md, docs/cluster.md): a batch's receipt settles only once
 * its spans were delivered (or rejected for good); while the next hop is down nothing is spooled, the
 * payload is retried until delivered and the queue's fullness holds the producer back; a stop before
 * delivery abandons the receipt, so the records behind it are never committed.
 */
class ReceiptTest {

  @TempDir Path dir;
  final TestLedger ledger = new TestLedger();

  static final class Counting implements Receipt {
    final AtomicLong settled = new AtomicLong();
    final AtomicLong abandoned = new AtomicLong();

    @Override public void settled(long spans) { settled.addAndGet(spans); }
    @Override public void abandoned(long spans) { abandoned.addAndGet(spans); }
  }

  private Forwarder forwarder(FakeHop hop) {
    return new Forwarder(TestSettings.agent(hop.url(), dir.resolve("spool")).holdUndelivered().flushInterval(Duration.ofMillis(50))
        .retry(2, Duration.ofMillis(10), Duration.ofMillis(50)).circuitOpenWait(Duration.ofMillis(300)).build(), ledger,
        new MicrometerForwardMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()), Clock.systemUTC());
  }

  @Test
  void hopDown_nothingSpooled_retriedUntilDelivered_thenTheReceiptSettles() throws Exception {
    try (FakeHop hop = FakeHop.reserved()) {
      Forwarder f = forwarder(hop);
      f.start();
      Counting r = new Counting();
      ChunkBatch b = TestTraces.batch(TestTraces.simple(1, 100, 5, TestTraces.JAVA, Priority.AUTO_KEEP),
          TestTraces.simple(2, 200, 3, TestTraces.JAVA, Priority.AUTO_KEEP));
      f.submit(b.withReceipt(r));
      // several rounds of attempts against a closed port, and not settled through any of them
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> r.settled.get() == 0);
      assertThat(f.status().spoolPayloads()).isZero();
      assertThat(f.inFlightSpans()).isEqualTo(8);
      hop.up();
      await().atMost(Duration.ofSeconds(20)).until(() -> r.settled.get() == 8);
      assertThat(ledger.forwarded()).isEqualTo(8);
      assertThat(ledger.dropped(Ledger.Stage.FORWARD, Ledger.Reason.SPOOL_FULL)).isZero();
      assertThat(r.abandoned.get()).isZero();
      f.stop(Duration.ofSeconds(2));
    }
  }

  @Test
  void rejectedForGood_settles_butAStopBeforeDelivery_abandons() throws Exception {
    try (FakeHop hop = FakeHop.start()) {
      hop.answer(req -> new FakeHop.Answer(400, "{\"error\":\"no\"}"));
      Forwarder f = forwarder(hop);
      f.start();
      Counting rejected = new Counting();
      f.submit(TestTraces.batch(TestTraces.simple(3, 300, 2, TestTraces.JAVA, Priority.AUTO_KEEP)).withReceipt(rejected));
      await().atMost(Duration.ofSeconds(10)).until(() -> rejected.settled.get() == 2);
      hop.down();
      Counting stopped = new Counting();
      f.submit(TestTraces.batch(TestTraces.simple(4, 400, 4, TestTraces.JAVA, Priority.AUTO_KEEP)).withReceipt(stopped));
      Thread.sleep(300);
      f.stop(Duration.ofMillis(500));
      assertThat(stopped.settled.get()).isZero();
      assertThat(stopped.abandoned.get()).isEqualTo(4);
    }
  }
}
