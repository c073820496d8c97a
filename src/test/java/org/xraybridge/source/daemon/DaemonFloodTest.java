package org.xraybridge.source.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.xraybridge.source.daemon.Datagrams.T0;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.ops.MicrometerDaemonMetrics;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.StubConverter;
import org.xraybridge.testing.TestLedger;

/**
 * One source floods the daemon port while another sends good segments (issue 20): junk at a fixed
 * rate is read, counted by outcome and costs the good source nothing; a flood of valid datagrams
 * takes at most half the hand-off, so the good source's still get in while assembly is behind.
 * Kernel drops are read from the system; every datagram sent is read or dropped by the kernel. The
 * rates the machine holds are measured by bench/slow-clients.sh.
 */
class DaemonFloodTest {

  private static final String FLOODER = "127.0.0.2";
  private static final String GOOD = "127.0.0.3";

  private final TestLedger ledger = new TestLedger();
  private final RecordingSink sink = new RecordingSink();
  private final MicrometerDaemonMetrics metrics = new MicrometerDaemonMetrics(new SimpleMeterRegistry());

  @Test
  void junkFloodAtAFixedRate_goodDatagramsBesideItAreAllTaken_andEveryDatagramIsAccounted() throws Exception {
    DaemonSettings settings = TestSettings.loopback()
        .timing(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(20)).get();
    XRayDaemonListener listener = new XRayDaemonListener(settings,
        new StubConverter(ledger, Clock.systemUTC(), Duration.ofMinutes(10)), sink, ledger, metrics, Clock.systemUTC());
    listener.start();
    long kernelBefore = Math.max(0, listener.status().kernelDrops());
    int junkPerSecond = 10_000;
    int seconds = 2;
    int good = 0;
    int junk = 0;
    byte[] garbage = new byte[300];
    new java.util.Random(20).nextBytes(garbage);
    Arrays.fill(garbage, 0, 10, (byte) 'x'); // no header line anywhere: rejected on its first line
    for (int i = 0; i < garbage.length; i++) if (garbage[i] == '\n') garbage[i] = ' ';
    try (DatagramChannel flood = channel(FLOODER, listener.port()); DatagramChannel goodSource = channel(GOOD, listener.port())) {
      long start = System.nanoTime();
      int total = junkPerSecond * seconds;
      for (int i = 0; i < total; i++) {
        long wait = start + (long) i * 1_000_000_000L / junkPerSecond - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
        flood.write(ByteBuffer.wrap(garbage));
        junk++;
        if (i % 100 == 0) { // 100 good segments a second, each its own trace
          goodSource.write(ByteBuffer.wrap(Datagrams.datagram(Datagrams.segment(
              Datagrams.traceId(good), String.format("%016x", 0x5000 + good), "good", T0 + good, T0 + good + 0.5))));
          good++;
        }
      }
    }
    int sent = junk + good;
    int goodSent = good;
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      long drops = listener.status().kernelDrops();
      boolean allRead = drops < 0 || metrics.totals().datagramsReceived() + drops - kernelBefore == sent;
      return allRead && listener.status().datagramsQueued() == 0 && sink.spanCount() + 0L == metrics.totals().datagramsAccepted();
    });
    MicrometerDaemonMetrics.Totals t = metrics.totals();
    long kernelDrops = listener.status().kernelDrops() < 0 ? -1 : listener.status().kernelDrops() - kernelBefore;
    listener.stop();

    assertThat(t.datagramsReceived()).isEqualTo(t.datagramsAccepted() + t.datagramsRejectedTotal());
    assertThat(t.datagramsRejected().keySet()).containsOnly("malformed_header");
    if (kernelDrops >= 0) assertThat(t.datagramsReceived() + kernelDrops).as("read + dropped by the kernel").isEqualTo(sent);
    if (kernelDrops == 0) assertThat(t.datagramsAccepted()).as("nothing lost: every good one taken").isEqualTo(goodSent);
    assertThat(t.datagramsAccepted()).as("good ones taken beside %d junk a second", junkPerSecond)
        .isGreaterThanOrEqualTo(goodSent * 9L / 10);
    assertThat((long) sink.spanCount()).isEqualTo(t.datagramsAccepted());
    System.out.printf("junk flood: junk %d, good %d, read %d, kernel drops %d, accepted %d, rejected %s%n",
        junk, goodSent, t.datagramsReceived(), kernelDrops, t.datagramsAccepted(), t.datagramsRejected());
  }

  @Test
  void validFloodWhileAssemblyIsBehind_takesAtMostHalfTheHandOff_andTheGoodSourceStillGetsIn() throws Exception {
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    StubConverter stub = new StubConverter(ledger, Clock.systemUTC(), Duration.ofMinutes(10));
    TraceConverter stalling = docs -> {
      stalled.countDown();
      try {
        release.await(20, TimeUnit.SECONDS); // assembly is behind: the hand-off fills
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return stub.convert(docs);
    };
    DaemonSettings settings = TestSettings.loopback()
        .timing(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMillis(10)).queue(32).get();
    XRayDaemonListener listener = new XRayDaemonListener(settings, stalling, sink, ledger, metrics, Clock.systemUTC());
    listener.start();
    try (DatagramChannel flood = channel(FLOODER, listener.port()); DatagramChannel goodSource = channel(GOOD, listener.port())) {
      flood.write(ByteBuffer.wrap(segment(0)));
      assertThat(stalled.await(10, TimeUnit.SECONDS)).as("the assembler converts the first trace and stalls").isTrue();
      for (int i = 1; i <= 100; i++) {
        flood.write(ByteBuffer.wrap(segment(i)));
        LockSupport.parkNanos(200_000);
      }
      for (int i = 1000; i < 1010; i++) {
        goodSource.write(ByteBuffer.wrap(segment(i)));
        LockSupport.parkNanos(200_000);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> metrics.totals().datagramsReceived() == 111);
      MicrometerDaemonMetrics.Totals during = metrics.totals();
      assertThat(listener.status().datagramsQueued()).isEqualTo(16 + 10);
      assertThat(during.datagramsRejected()).containsOnly(java.util.Map.entry("overloaded_source", 100L - 16));
    } finally {
      release.countDown();
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> sink.spanCount() == 1 + 16 + 10);
    listener.stop();
    assertThat(metrics.totals().datagramsAccepted()).isEqualTo(1 + 16 + 10);
  }

  private static byte[] segment(int n) {
    return Datagrams.datagram(Datagrams.segment(Datagrams.traceId(n), String.format("%016x", 0x7000 + n), "s", T0 + n, T0 + n + 0.5));
  }

  private static DatagramChannel channel(String from, int port) throws IOException {
    DatagramChannel c = DatagramChannel.open();
    c.bind(new InetSocketAddress(from, 0));
    c.connect(new InetSocketAddress("127.0.0.1", port));
    return c;
  }
}
