package org.xraybridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.source.xray.XRayPoller;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.XRayHarness;
import org.xraybridge.testing.XRaySegments;

/**
 * A source's level gauges speak for the replica that polls it. In kafka mode a source moves: the
 * replica that let it go keeps its meters (they are the source's, for the bridge's lifetime), and its
 * cursor lag must not go on growing from a cursor it no longer moves — an alert on
 * {@code max by (source)} of the lag would fire after every rebalance.
 */
class XRaySourceGaugesTest {

  @TempDir Path dir;
  XRayHarness h;
  SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void cursorLag_isTheRunningSourcesLag_andNaN_onceItMovedToAnotherReplica() {
    assertLevelsEndWith(XRayPoller::abandon);
  }

  @Test
  void cursorLag_isNaN_onceTheSourceStopped() {
    assertLevelsEndWith(XRayPoller::stop);
  }

  private void assertLevelsEndWith(Consumer<XRayPoller> end) {
    XRaySegments traces = new XRaySegments(7);
    h.store.put(XRaySegments.inProgress(traces.traceId(XRayHarness.T0), traces.segmentId(), XRayHarness.T0));
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = h.poller(new RecordingSink(), h.converter(), registry);
    h.poll(poller);
    h.clock.advance(Duration.ofMinutes(10));
    double running = lag();
    assertThat(running).as("now − cursor while polled here").isEqualTo(poller.status().cursorLag().toMillis() / 1000.0);
    assertThat(running).isGreaterThanOrEqualTo(600);
    assertThat(held()).as("the in-progress trace, held here").isEqualTo(1);

    end.accept(poller);
    h.clock.advance(Duration.ofMinutes(10));

    assertThat(lag()).as("not polled here: no lag to report").isNaN();
    assertThat(held()).as("nothing held here any more").isZero();
  }

  private double held() {
    return registry.get("bridge.xray.traces.held").gauge().value();
  }

  private double lag() {
    return registry.get("bridge.xray.cursor.lag.seconds").gauge().value();
  }
}
