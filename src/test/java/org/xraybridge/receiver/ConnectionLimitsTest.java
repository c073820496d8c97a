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
 * What a connection may do, whatever it asks (docs/receiver.md, "Connections"): header and idle
 * timeouts, the limit that closes the silent longest for a newcomer, the per-address limit, and the
 * minimum pace of a body. Timeouts are shortened; margins stay wide.
 */
class ConnectionLimitsTest {

  private static final List<String[]> MSGPACK = headers("Content-Type", "application/msgpack");

  private final RecordingSink sink = new RecordingSink();
  private final MicrometerReceiverMetrics metrics = new MicrometerReceiverMetrics(new SimpleMeterRegistry());
  private final MicrometerConnectionMetrics connections = new MicrometerConnectionMetrics(new SimpleMeterRegistry(), "bridge.receiver");
  private AgentReceiver receiver;

  @AfterEach
  void stop() {
    if (receiver != null) receiver.stop();
  }

  private void start(ReceiverSettings settings) {
    receiver = new AgentReceiver(settings, sink, sink, PassThroughs.none(), new TestLedger(), metrics, connections, Clock.systemUTC());
    receiver.start();
  }

  private static ConnectionLimits limits(int max, int perAddress, long headerMillis, long idleMillis) {
    return new ConnectionLimits(max, perAddress, Duration.ofMillis(headerMillis), Duration.ofMillis(idleMillis));
  }

  private static byte[] oneTrace() {
    return pack(list(list(span(1, 11, 0, "a.root"))));
  }

  @Test
  void halfARequestLine_isAnswered408AtTheHeaderTimeout_andClosed() throws IOException {
    start(LoopbackSettings.connections(limits(100, 100, 600, 60_000)));
    try (RawHttp half = new RawHttp(receiver.port()); RawHttp nothing = new RawHttp(receiver.port())) {
      long t0 = System.nanoTime();
      half.sendRaw("PUT /v0.4/traces HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response r = half.read();
      long waited = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(half.closedByServer()).isTrue();
      assertThat(waited).as("ms until the 408").isBetween(400L, 5_000L);
      // a connection that sends nothing at all is held no longer
      assertThat(nothing.read().status()).isEqualTo(408);
    }
    assertThat(connections.counts().headerTimeouts()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> receiver.status().openConnections() == 0);
  }

  @Test
  void aHeadTrickledAByteAtATime_isNotKeptAliveByItsBytes() throws Exception {
    start(LoopbackSettings.connections(limits(100, 100, 800, 60_000)));
    byte[] head = "PUT /v0.4/traces HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".getBytes(StandardCharsets.US_ASCII);
    try (RawHttp slow = new RawHttp(receiver.port())) {
      long t0 = System.nanoTime();
      Thread trickle = new Thread(() -> {
        try {
          for (byte b : head) {
            slow.sendRaw(new byte[] {b});
            Thread.sleep(50);
          }
        } catch (IOException | InterruptedException e) {
          // closed by the server: what the test expects
        }
      });
      trickle.setDaemon(true);
      trickle.start();
      assertThat(slow.read().status()).isEqualTo(408);
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms: the deadline counts from the first byte, not the last")
          .isBetween(600L, 3_000L);
      trickle.join(5_000);
    }
    assertThat(connections.counts().headerTimeouts()).isEqualTo(1);
  }

  @Test
  void keptAliveConnection_idleIsClosedAtTheIdleTimeout_aStartedRequestHasTheHeaderTimeout() throws IOException {
    start(LoopbackSettings.connections(limits(100, 100, 500, 1_500)));
    try (RawHttp idle = new RawHttp(receiver.port()); RawHttp started = new RawHttp(receiver.port())) {
      assertThat(idle.exchange("PUT", "/v0.4/traces", MSGPACK, oneTrace()).status()).isEqualTo(200);
      assertThat(started.exchange("PUT", "/v0.4/traces", MSGPACK, oneTrace()).status()).isEqualTo(200);
      long t0 = System.nanoTime();
      // past the header timeout, the kept-alive connections are still open: idle is not a slow head
      sleep(800);
      assertThat(started.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
      started.sendRaw("PUT /v0.4/traces HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(started.read().status()).as("the next head, begun and not finished").isEqualTo(408);
      assertThat(idle.closedByServer()).isTrue();
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the idle one closed").isBetween(1_000L, 8_000L);
    }
    MicrometerConnectionMetrics.Counts c = connections.counts();
    assertThat(c.idleTimeouts()).isEqualTo(1);
    assertThat(c.headerTimeouts()).isEqualTo(1);
    assertThat(sink.spanCount()).isEqualTo(2);
  }

  @Test
  void atTheLimit_theConnectionSilentLongestMakesRoom_andTheNewcomerIsServed() throws IOException {
    start(LoopbackSettings.connections(limits(3, 3, 10_000, 60_000)));
    try (RawHttp oldest = new RawHttp(receiver.port()); RawHttp idle = new RawHttp(receiver.port());
        RawHttp busy = new RawHttp(receiver.port())) {
      assertThat(oldest.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
      sleep(20);
      assertThat(idle.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
      // in the middle of a request: never chosen, however long ago it sent its head
      byte[] busyBody = oneTrace();
      busy.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", String.valueOf(busyBody.length)), null);
      await().atMost(Duration.ofSeconds(5)).until(() -> metrics.counts().requests() == 3);
      try (RawHttp newcomer = new RawHttp(receiver.port())) {
        assertThat(newcomer.exchange("PUT", "/v0.4/traces", MSGPACK, oneTrace()).status()).isEqualTo(200);
        assertThat(oldest.closedByServer()).as("the silent longest was closed").isTrue();
        assertThat(idle.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
        try (RawHttp fifth = new RawHttp(receiver.port())) {
          assertThat(fifth.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
        }
        // the fifth made room by closing the newcomer, silent longest now; the busy one is still served
        busy.sendRaw(busyBody);
        RawHttp.Response done = busy.read();
        assertThat(done.status()).as(done.text()).isEqualTo(200);
      }
    }
    MicrometerConnectionMetrics.Counts c = connections.counts();
    assertThat(c.evictedConnections()).isEqualTo(2);
    assertThat(c.refusedConnections()).isZero();
  }

  @Test
  void atTheTotalLimit_theAddressHoldingTheMostGivesWay_notTheOneSilentLongest() throws IOException {
    start(LoopbackSettings.connections(limits(4, 4, 10_000, 60_000)));
    try (RawHttp loner = new RawHttp(receiver.port(), "127.0.0.2"); RawHttp a1 = new RawHttp(receiver.port(), "127.0.0.3");
        RawHttp a2 = new RawHttp(receiver.port(), "127.0.0.3"); RawHttp a3 = new RawHttp(receiver.port(), "127.0.0.3")) {
      for (RawHttp h : List.of(loner, a1, a2, a3)) {
        assertThat(h.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
        sleep(20);
      }
      try (RawHttp newcomer = new RawHttp(receiver.port(), "127.0.0.4")) {
        assertThat(newcomer.exchange("GET", "/info", List.of(), null).status()).isEqualTo(200);
        assertThat(a1.closedByServer()).as("the oldest of the address holding three").isTrue();
        assertThat(loner.exchange("GET", "/info", List.of(), null).status()).as("silent longest, but alone").isEqualTo(200);
      }
    }
    assertThat(connections.counts().evictedConnections()).isEqualTo(1);
  }

  @Test
  void atTheLimit_everyConnectionBusy_theNewcomerIsRefused() throws IOException {
    start(LoopbackSettings.connections(limits(2, 10, 10_000, 60_000)));
    try (RawHttp a = new RawHttp(receiver.port()); RawHttp b = new RawHttp(receiver.port())) {
      a.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "10"), null);
      b.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "10"), null);
      await().atMost(Duration.ofSeconds(5)).until(() -> metrics.counts().requests() == 2);
      try (RawHttp c = new RawHttp(receiver.port())) {
        assertThat(c.closedByServer()).isTrue();
      }
      // read before b is closed mid-body below, which is the last error then
      assertThat(receiver.status().lastError()).contains("the limit of 2 connections is reached");
      a.sendRaw(new byte[] {(byte) 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0});
      assertThat(a.read().status()).isEqualTo(200);
    }
    assertThat(connections.counts().refusedConnections()).isEqualTo(1);
    assertThat(connections.counts().refusedPerAddress()).isZero();
  }

  @Test
  void aClientClosingMidBody_isCountedAsAborted_notAnInternalError() throws IOException {
    start(LoopbackSettings.connections(limits(10, 10, 10_000, 60_000)));
    try (RawHttp a = new RawHttp(receiver.port())) {
      a.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "10"), null);
      await().atMost(Duration.ofSeconds(5)).until(() -> metrics.counts().requests() == 1);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> receiver.status().lastError().startsWith("Aborted"));
    assertThat(receiver.status().lastError()).isEqualTo("Aborted: the client closed the connection before its body ended");
    assertThat(metrics.counts().abortedRequests()).isEqualTo(1);
  }

  @Test
  void perAddress_oneClientsBusyConnections_leaveRoomForOthers() throws IOException {
    start(LoopbackSettings.connections(limits(10, 2, 10_000, 60_000)));
    try (RawHttp a = new RawHttp(receiver.port(), "127.0.0.1"); RawHttp b = new RawHttp(receiver.port(), "127.0.0.1")) {
      a.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "10"), null);
      b.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "10"), null);
      await().atMost(Duration.ofSeconds(5)).until(() -> metrics.counts().requests() == 2);
      try (RawHttp third = new RawHttp(receiver.port(), "127.0.0.1")) {
        assertThat(third.closedByServer()).as("a third from the same address").isTrue();
      }
      try (RawHttp other = new RawHttp(receiver.port(), "127.0.0.2")) {
        assertThat(other.exchange("PUT", "/v0.4/traces", MSGPACK, oneTrace()).status()).isEqualTo(200);
      }
    }
    assertThat(connections.counts().refusedPerAddress()).isEqualTo(1);
  }

  @Test
  void bodyTrickled_isAnswered408_aSlowButSteadyBodyIsTaken() throws Exception {
    // windows of 1.5 s, at least 240 bytes/s on average over each
    start(LoopbackSettings.bodyPace(Duration.ofMillis(1_500), 240));
    byte[] body = java.util.Arrays.copyOf(oneTrace(), 1_000);
    try (RawHttp trickle = new RawHttp(receiver.port()); RawHttp steady = new RawHttp(receiver.port())) {
      trickle.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "1000"), null);
      steady.send("PUT", "/v0.4/traces", headers("Content-Type", "application/msgpack", "Content-Length", "1000"), null);
      Thread sender = new Thread(() -> {
        try {
          // steady: 100 bytes every 200 ms (500 bytes/s) for 2 s, across more than one window;
          // trickle: a byte every 400 ms, never a gap as long as the read timeout
          for (int i = 0; i < 10; i++) {
            steady.sendRaw(java.util.Arrays.copyOfRange(body, i * 100, i * 100 + 100));
            if (i % 2 == 0) trickle.sendRaw(new byte[] {body[i / 2]});
            Thread.sleep(200);
          }
        } catch (IOException | InterruptedException e) {
          // the trickle's connection is closed by the server
        }
      });
      sender.setDaemon(true);
      long t0 = System.nanoTime();
      sender.start();
      RawHttp.Response slow = trickle.read();
      assertThat(slow.status()).isEqualTo(408);
      assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(1_000L, 6_000L);
      assertThat(steady.read().status()).isEqualTo(200);
      sender.join(5_000);
    }
    assertThat(metrics.counts().timedOutRequests()).isEqualTo(1);
    assertThat(receiver.status().lastError()).contains("under the minimum of 240");
    assertThat(sink.spanCount()).isEqualTo(1);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
