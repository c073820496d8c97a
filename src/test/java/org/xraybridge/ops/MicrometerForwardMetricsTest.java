package org.xraybridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.xraybridge.forward.ForwardMetrics.PayloadOutcome;

class MicrometerForwardMetricsTest {

  @Test
  void counters_registeredAtZeroBeforeTheFirstEvent_thenCountWhatTheStageReports() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerForwardMetrics m = new MicrometerForwardMetrics(registry);
    for (String outcome : new String[] {"sent", "rejected", "spooled"}) {
      assertThat(registry.get("bridge.forward.payloads").tag("outcome", outcome).counter().count()).isZero();
    }
    assertThat(registry.get("bridge.forward.error.traces.rescued").counter().count()).isZero();
    assertThat(registry.get("bridge.forward.stats.spans.left.out").counter().count()).isZero();

    m.payload(PayloadOutcome.SENT);
    m.payload(PayloadOutcome.SENT);
    m.payload(PayloadOutcome.SPOOLED);
    m.errorTraceRescued();
    m.statsSpansLeftOut(3);

    assertThat(registry.get("bridge.forward.payloads").tag("outcome", "sent").counter().count()).isEqualTo(2);
    assertThat(m.payloads(PayloadOutcome.SENT)).isEqualTo(2);
    assertThat(m.payloads(PayloadOutcome.REJECTED)).isZero();
    assertThat(m.payloads(PayloadOutcome.SPOOLED)).isEqualTo(1);
    assertThat(m.errorTracesRescued()).isEqualTo(1);
    assertThat(registry.get("bridge.forward.stats.spans.left.out").counter().count()).isEqualTo(3);
  }
}
