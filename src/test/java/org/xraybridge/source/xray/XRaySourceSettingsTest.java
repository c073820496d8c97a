package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What the settings still check: the tunables nothing configures (the configured values are checked
 * by {@code config.XRayProperties}, see {@code XRayPropertiesTest}).
 */
class XRaySourceSettingsTest {

  @Test
  void retryAndCircuit_badValues_areRefusedNamingTheField() {
    assertThatThrownBy(() -> new XRaySourceSettings.Retry(1, Duration.ofSeconds(2), Duration.ofSeconds(1), 0.5))
        .hasMessageContaining("retry.maxBackoff (PT1S) must be >= retry.minBackoff (PT2S)");
    assertThatThrownBy(() -> new XRaySourceSettings.Circuit(0f, 10, 5, Duration.ofSeconds(1), 1))
        .hasMessageContaining("circuit.failureRatePercent");
  }
}
