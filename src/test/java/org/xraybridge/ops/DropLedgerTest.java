package org.xraybridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger.Reason;
import org.xraybridge.model.Ledger.Stage;

class DropLedgerTest {

  @Test
  void snapshot_everyHalfCountedApart_andTakenSumsAllOfThemWithTheRecovered() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    DropLedger ledger = new DropLedger(registry, Clock.systemUTC(), Duration.ofHours(1));
    ledger.received(Half.NATIVE, 1);
    ledger.received(Half.XRAY_POLL, 20);
    ledger.received(Half.XRAY_DAEMON, 300);
    ledger.received(Half.XRAY_LOGS, 4000);
    ledger.recovered(50_000);
    ledger.forwarded(54_000);
    ledger.dropped(Stage.MERGE, Reason.SAMPLED_OUT, 321);

    DropLedger.Snapshot s = ledger.snapshot();
    assertThat(s.receivedNative()).isEqualTo(1);
    assertThat(s.receivedXRayPoll()).isEqualTo(20);
    assertThat(s.receivedXRayDaemon()).isEqualTo(300);
    assertThat(s.receivedXRayLogs()).isEqualTo(4000);
    assertThat(s.taken()).isEqualTo(54_321);
    assertThat(s.taken()).isEqualTo(s.forwarded() + s.dropped());
    for (Half h : Half.values()) {
      assertThat(registry.get("bridge.spans.received").tag("half", h.tag()).counter().count()).isPositive();
    }
  }
}
