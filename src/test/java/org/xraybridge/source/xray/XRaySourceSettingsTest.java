package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The settings' rules fail with a message naming the field (the config layer maps it to the key). */
class XRaySourceSettingsTest {

  @Test
  void defaults_areValidAndDocumented() {
    XRaySourceSettings d = XRaySourceSettings.defaults();

    assertThat(d.pollInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.lag()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.overlap()).isEqualTo(Duration.ofMinutes(5));
    assertThat(d.maxWindow()).isEqualTo(Duration.ofMinutes(15));
    assertThat(d.checkpointFile().toString()).isEqualTo("./data/xray-checkpoint.json");
    assertThat(d.inProgressTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(d.endpoint()).isEmpty();
    assertThat(XRaySourceSettings.emulatorDefaults("http://127.0.0.1:4000").pollInterval()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void maxWindowShorterThanOverlapPlusInterval_isRefusedNamingBoth() {
    assertThatThrownBy(() -> XRaySourceSettings.defaults().toBuilder().maxWindow(Duration.ofMinutes(5)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWindow (PT5M) must be >= overlap + pollInterval (PT5M30S)");
  }

  @Test
  void badValues_areRefusedNamingTheField() {
    var b = XRaySourceSettings.defaults().toBuilder();
    assertThatThrownBy(() -> b.build().toBuilder().endpoint("localhost:4000").build()).hasMessageContaining("endpoint:");
    assertThatThrownBy(() -> b.build().toBuilder().region(" ").build()).hasMessageContaining("region:");
    assertThatThrownBy(() -> b.build().toBuilder().pollInterval(Duration.ZERO).build()).hasMessageContaining("pollInterval:");
    assertThatThrownBy(() -> b.build().toBuilder().lag(Duration.ofSeconds(-1)).build()).hasMessageContaining("lag:");
    assertThatThrownBy(() -> b.build().toBuilder().batchConcurrency(0).build()).hasMessageContaining("batchConcurrency:");
    assertThatThrownBy(() -> b.build().toBuilder().maxWindow(Duration.ofHours(7)).build()).hasMessageContaining("maxWindow:");
    assertThatThrownBy(() -> b.build().toBuilder().deliveredTtl(Duration.ofMinutes(5)).build()).hasMessageContaining("deliveredTtl");
    assertThatThrownBy(() -> new XRaySourceSettings.RateLimits(0, 1, 1)).hasMessageContaining("rateLimits.summariesPerSecond");
    assertThatThrownBy(() -> new XRaySourceSettings.Retry(1, Duration.ofSeconds(2), Duration.ofSeconds(1), 0.5))
        .hasMessageContaining("retry.maxBackoff (PT1S) must be >= retry.minBackoff (PT2S)");
    assertThatThrownBy(() -> new XRaySourceSettings.Circuit(0f, 10, 5, Duration.ofSeconds(1), 1))
        .hasMessageContaining("circuit.failureRatePercent");
  }
}
