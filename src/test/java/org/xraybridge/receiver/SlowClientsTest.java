package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.xraybridge.receiver.Msgpack.list;
import static org.xraybridge.receiver.Msgpack.pack;
import static org.xraybridge.receiver.Msgpack.span;
import static org.xraybridge.testing.RawHttp.headers;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.ops.MicrometerConnectionMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.testing.RawHttp;
import org.xraybridge.testing.PassThroughs;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.TestLedger;

/**
 * The unfriendly clients of issue 20, at the default connection limits (1000, 500 per address) with
 * shorter timeouts: silent half-open connections beyond the limit, and 2,000 idle kept-alive ones. A
 * tracer is served at once, the connections held stay within the limit, memory stays bounded, and the
 * counters account for every connection. The figures with the default timeouts, on the packaged jar,
 * come from bench/slow-clients.sh (docs/performance.md).
 */
class SlowClientsTest {

  private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);
  private static final String[] CLIENTS = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"};

  private final RecordingSink sink = new RecordingSink();
  private final MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
  private final MicrometerConnectionMetrics connections = new MicrometerConnectionMetrics(new SimpleMeterRegistry(), "bridge.receiver");
  private final List<RawHttp> held = new ArrayList<>();
  private AgentReceiver receiver;

  @AfterEach
  void stop() {
    for (RawHttp h : held) {
      try {
        h.close();
      } catch (IOException ignored) {
        // closing what the test opened
      }
    }
    if (receiver != null) receiver.stop();
  }

  private void start() {
    ConnectionLimits limits = new ConnectionLimits(1000, 500, HEADER_TIMEOUT, IDLE_TIMEOUT);
    receiver = new AgentReceiver(LoopbackSettings.connections(limits), sink, sink, PassThroughs.none(), new TestLedger(), metrics, connections,
        Clock.systemUTC());
    receiver.start();
  }

  @Test
  void silentHalfRequests_beyondTheLimit_aTracerIsServedAtOnce_andEveryConnectionIsAccounted() throws Exception {
    start();
    long heapBefore = usedHeap();
    byte[] half = "PUT /v0.4/traces HTTP/1.1\r\nContent-Type: application/msgpack\r\n".getBytes(StandardCharsets.US_ASCII);
    int attackers = 1_500;
    for (int i = 0; i < attackers; i++) {
      RawHttp h = new RawHttp(receiver.port(), CLIENTS[i % 3]);
      held.add(h);
      h.sendRaw(half);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> connections.counts().evictedConnections() >= attackers - 1000);
    assertThat(receiver.status().openConnections()).as("connections held").isLessThanOrEqualTo(1000);

    long t0 = System.nanoTime();
    try (RawHttp tracer = new RawHttp(receiver.port(), CLIENTS[3])) {
      RawHttp.Response r = tracer.exchange("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack"),
          pack(list(list(span(7, 71, 0, "tracer.root")))));
      assertThat(r.status()).isEqualTo(200);
    }
    long waitedMillis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(waitedMillis).as("ms the tracer waited").isLessThan(HEADER_TIMEOUT.toMillis() + 1_000);
    assertThat(sink.spanCount()).isEqualTo(1);
    long heapHeld = usedHeap() - heapBefore;

    // every silent one is closed, for a newcomer or at the header timeout; none is left (the tracer closed its own)
    await().atMost(HEADER_TIMEOUT.plusSeconds(10))
        .until(() -> connections.counts().evictedConnections() + connections.counts().headerTimeouts() == attackers);
    await().atMost(Duration.ofSeconds(5)).until(() -> receiver.status().openConnections() == 0);
    MicrometerConnectionMetrics.Counts c = connections.counts();
    assertThat(c.evictedConnections()).as("made room for the newest: the 500 beyond the limit and the tracer").isEqualTo(501);
    assertThat(c.headerTimeouts()).isEqualTo(attackers - 501);
    assertThat(c.refusedConnections()).isZero();
    assertThat(heapHeld).as("heap bytes held with 1,000 silent connections open").isLessThan(64L << 20);
  }

  @Test
  void twoThousandIdleKeptAliveConnections_stayWithinTheLimit_andCloseWhenIdle() throws Exception {
    start();
    long heapBefore = usedHeap();
    int idle = 2_000;
    for (int i = 0; i < idle; i++) {
      RawHttp h = new RawHttp(receiver.port(), CLIENTS[i % 4]);
      held.add(h);
      assertThat(h.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
    }
    assertThat(receiver.status().openConnections()).as("connections held").isLessThanOrEqualTo(1000);
    assertThat(connections.counts().evictedConnections()).isEqualTo(idle - 1000);
    long heapHeld = usedHeap() - heapBefore;

    try (RawHttp tracer = new RawHttp(receiver.port(), "127.0.0.9")) {
      assertThat(tracer.exchange("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack"),
          pack(list(list(span(8, 81, 0, "tracer.root"))))).status()).isEqualTo(200);
    }
    await().atMost(IDLE_TIMEOUT.plusSeconds(10)).until(() -> receiver.status().openConnections() == 0);
    MicrometerConnectionMetrics.Counts c = connections.counts();
    assertThat(c.evictedConnections()).as("the 1,000 beyond the limit and one for the tracer").isEqualTo(idle - 1000 + 1);
    assertThat(c.evictedConnections() + c.idleTimeouts()).as("every idle connection, closed by a newcomer or when idle")
        .isEqualTo(idle);
    assertThat(c.refusedConnections()).isZero();
    assertThat(c.headerTimeouts()).isZero();
    assertThat(heapHeld).as("heap bytes held with 1,000 idle connections open").isLessThan(64L << 20);
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 2; i++) System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }
}
