package org.xraybridge.source.xray;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.xraybridge.demo.EmulatorStore;
import org.xraybridge.demo.XRayEmulator;
import org.xraybridge.model.XRaySink;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.xray.XRayAsyncClient;

/**
 * The real AWS SDK client against a real emulator on a loopback port, with a hand-moved clock shared
 * by the poller and the emulator, and short intervals. Close it after each test.
 */
public final class XRayHarness implements AutoCloseable {
  public static final Instant T0 = Instant.parse("2026-11-29T06:00:00Z");
  public static final StaticCredentialsProvider FAKE_CREDENTIALS = XRayEmulator.CREDENTIALS;

  /** One event loop group for every client of the test run: closing a client then costs no Netty shutdown. */
  public static final SdkEventLoopGroup EVENT_LOOPS = SdkEventLoopGroup.builder().numberOfThreads(2).build();

  public final MutableClock clock = new MutableClock(T0);
  public final EmulatorStore store = new EmulatorStore(clock);
  public final XRayEmulator emulator = XRayEmulator.start(store);
  public final CountingLedger ledger = new CountingLedger();
  public final Path dir;
  public final List<XRayAsyncClient> clients = new ArrayList<>();
  public final List<XRayPoller> pollers = new ArrayList<>();
  public XRaySourceSettings settings;

  public XRayHarness(Path dir) {
    this.dir = dir;
    settings =
        XRaySourceSettings.defaults().toBuilder()
            .endpoint(emulator.endpoint().toString())
            .pollInterval(Duration.ofSeconds(1))
            .lag(Duration.ofSeconds(1))
            .overlap(Duration.ofSeconds(30))
            .maxWindow(Duration.ofMinutes(5))
            .checkpointFile(dir.resolve("data/xray-checkpoint.json"))
            .rateLimits(new XRaySourceSettings.RateLimits(500, 500, 500))
            .retry(new XRaySourceSettings.Retry(4, Duration.ofMillis(10), Duration.ofMillis(80), 0.5))
            .inProgressTimeout(Duration.ofMinutes(2))
            .deliveredTtl(Duration.ofMinutes(10))
            .build();
  }

  public XRayAsyncClient client() {
    XRayAsyncClient c = XRayClients.create(settings, FAKE_CREDENTIALS, EVENT_LOOPS);
    clients.add(c);
    return c;
  }

  public StubConverter converter() {
    return new StubConverter(ledger, clock, settings.inProgressTimeout());
  }

  /** A poller, opened (checkpoint loaded) but not scheduled: tests drive {@link XRayPoller#pollOnce()}. */
  public XRayPoller poller(XRaySink sink, StubConverter converter, SimpleMeterRegistry registry) {
    XRayPoller p = new XRayPoller(settings, client(), converter, sink, ledger, registry, clock);
    pollers.add(p);
    p.open();
    return p;
  }

  public PollOutcome poll(XRayPoller p) {
    return p.pollOnce().block(Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    for (XRayPoller p : pollers) p.stop();
    for (XRayAsyncClient c : clients) c.close();
    emulator.close();
  }
}
