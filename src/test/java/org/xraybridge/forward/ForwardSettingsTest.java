package org.xraybridge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xraybridge.forward.ForwardSettings.Target;
import org.xraybridge.model.Secret;

class ForwardSettingsTest {

  @Test
  void intakeUrl_unset_isTraceAgentOfTheSite() {
    assertThat(ForwardSettings.builder(Target.INTAKE).apiKey(Secret.of("k")).site("datadoghq.eu").build().intakeUrl())
        .isEqualTo(URI.create("https://trace.agent.datadoghq.eu"));
    assertThat(ForwardSettings.builder(Target.AGENT).build().intakeUrl())
        .isEqualTo(URI.create("https://trace.agent.datadoghq.com"));
  }

  @Test
  void intake_withoutApiKey_failsNamingTheKey() {
    assertThatThrownBy(() -> ForwardSettings.builder(Target.INTAKE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bridge.forward.api-key").hasMessageContaining("DD_API_KEY");
  }

  @Test
  void site_withScheme_failsNamingTheKey() {
    assertThatThrownBy(() -> ForwardSettings.builder(Target.AGENT).site("https://datadoghq.com").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bridge.forward.site");
  }

  @Test
  void maxPayloadBytes_atTheAgentsLimit_failsNamingTheKey() {
    assertThatThrownBy(() -> ForwardSettings.builder(Target.AGENT).maxPayloadBytes(25 * 1024 * 1024).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bridge.forward.max-payload-bytes");
  }

  @Test
  void otherBounds_nonPositive_failNamingTheirKeys() {
    assertThatThrownBy(() -> ForwardSettings.builder(Target.AGENT).retryBudget(Duration.ofSeconds(-1)).build())
        .hasMessageContaining("bridge.forward.retry-budget");
    assertThat(ForwardSettings.builder(Target.AGENT).retryBudget(Duration.ZERO).build().retryBudget()).isZero();
    assertThatThrownBy(() -> ForwardSettings.builder(Target.AGENT).maxQueuePayloads(0).build())
        .hasMessageContaining("bridge.forward.queue-max-payloads");
    assertThatThrownBy(() -> ForwardSettings.builder(Target.AGENT).spoolDir(null).build())
        .hasMessageContaining("bridge.forward.spool-dir");
    assertThatThrownBy(() -> ForwardSettings.builder(Target.AGENT).agentUrl(URI.create("ftp://x")).build())
        .hasMessageContaining("bridge.forward.agent-url");
  }

  @Test
  void toString_neverShowsTheKey() {
    assertThat(ForwardSettings.builder(Target.INTAKE).apiKey(Secret.of("sekrit-key")).build().toString())
        .doesNotContain("sekrit-key").contains("<redacted>");
  }
}
