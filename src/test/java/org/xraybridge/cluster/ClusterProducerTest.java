package org.xraybridge.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.forward.agent.V04ChunkEncoder;
import org.xraybridge.model.Admission;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.receiver.V04ChunkDecoder;
import org.xraybridge.testing.TestLedger;

/**
 * An X-Ray hand-off that Kafka does not acknowledge within the produce timeout is answered OVERLOADED
 * (the source reads the trace again); what happens to it after that must agree with what the ledger
 * says. Still queued: it is never sent. Already with the producer: what Kafka takes of it is consumed
 * downstream, so it is counted received and produced when Kafka answers (merge drops the source's
 * second copy as a duplicate, counted). Kafka's own {@link MockProducer} holds the acknowledgements
 * back: a real broker cannot be made to answer late on cue (ClusterKafkaTest runs the real one).
 */
class ClusterProducerTest {

  private static final long TIMEOUT_MILLIS = 200;

  private final TestLedger ledger = new TestLedger();
  private final CountDownLatch release = new CountDownLatch(1);
  /** Answers nothing until told; its first send holds the sender thread until {@link #release}. */
  private final MockProducer<byte[], byte[]> kafka = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
    private boolean first = true;

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
      boolean hold;
      synchronized (this) {
        hold = first;
        first = false;
      }
      Future<RecordMetadata> f = super.send(record, callback);
      if (hold) {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return f;
    }
  };
  private final ClusterProducer producer = new ClusterProducer(kafka,
      new SpanRecords("t-spans", "r1", 16 * 1024, new V04ChunkEncoder(), new V04ChunkDecoder()), ledger, ClusterMetrics.NONE,
      Clock.systemUTC(), TIMEOUT_MILLIS);

  @AfterEach
  void close() {
    release.countDown();
    producer.close();
  }

  @Test
  void aHandOffTimedOutWhileBeingSent_isCountedWhenKafkaTakesIt_andOneStillQueuedIsNeverSent() {
    assertThat(producer.offer(ClusterKafkaTest.xrayHalf(0x1001L, "prod", DatadogContext.NONE)))
        .as("the sender holds it past the timeout").isEqualTo(Admission.OVERLOADED);
    assertThat(producer.offer(ClusterKafkaTest.xrayHalf(0x2002L, "prod", DatadogContext.NONE)))
        .as("queued behind it past the timeout").isEqualTo(Admission.OVERLOADED);

    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> kafka.history().size() == 1);
    assertThat(kafka.completeNext()).isTrue();

    await().atMost(Duration.ofSeconds(5)).until(() -> producer.inFlightSpans() == 0);
    assertThat(kafka.history()).as("only the first was sent").hasSize(1);
    assertThat(ledger.received(Half.XRAY_POLL)).as("what Kafka took, counted once it took it").isEqualTo(2);
    assertThat(ledger.produced(Half.XRAY_POLL)).isEqualTo(2);
    // nothing more reaches Kafka later: the second hand-off's task ran and sent nothing
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> kafka.history().size() == 1);
  }
}
