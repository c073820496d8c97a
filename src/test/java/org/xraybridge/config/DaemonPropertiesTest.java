package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.xraybridge.source.daemon.DaemonSettings;

/** {@code bridge.daemon.*}: the documented defaults, and every rule of the daemon input named by its key. */
class DaemonPropertiesTest {

  @Configuration
  @EnableConfigurationProperties(DaemonProperties.class)
  static class Props {}

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Props.class);

  @Test
  void defaults_areTheDocumentedOnes() {
    runner.run(ctx -> {
      DaemonProperties d = ctx.getBean(DaemonProperties.class);
      assertThat(d.host()).isEqualTo("127.0.0.1");
      assertThat(d.port()).isEqualTo(2000);
      assertThat(d.relayTo()).isEmpty();
      assertThat(d.assemblyWindow()).isEqualTo(Duration.ofSeconds(5));
      assertThat(d.orphanWindow()).isEqualTo(Duration.ofSeconds(30));
      assertThat(d.maxBytes().toBytes()).isEqualTo(64L << 20);
    });
    assertThat(DaemonSettings.Tuning.DEFAULTS.quietPeriod()).isEqualTo(Duration.ofSeconds(1));
    runner.withPropertyValues("bridge.daemon.relay-to=127.0.0.1:2001")
        .run(ctx -> assertThat(ctx.getBean(DaemonProperties.class).relayTo()).isEqualTo("127.0.0.1:2001"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "bridge.daemon.assembly-window=500ms|bridge.daemon.assembly-window must be at least PT1S (the quiet period",
    "bridge.daemon.orphan-window=2s|bridge.daemon.orphan-window must be at least bridge.daemon.assembly-window",
    "bridge.daemon.max-traces=0|bridge.daemon.max-traces must be from 10 to 10000000, got 0",
    "bridge.daemon.max-traces=2147483647|bridge.daemon.max-traces must be from 10 to 10000000, got 2147483647",
    "bridge.daemon.max-bytes=1000B|bridge.daemon.max-bytes must be at least 1MB, got 1000B",
    "bridge.daemon.port=70000|bridge.daemon.port must be 0..65535 (2000 is the X-Ray daemon's), got 70000",
  })
  void badValues_areRefusedInOneLineNamingTheKey(String value, String message) {
    runner.withPropertyValues(value).run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ConfigErrors.oneLine(ctx.getStartupFailure())).doesNotContain("\n").contains(message);
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"xray-daemon", "host:", ":2000", "host:port", "host:0", "::1:2000", "host:65536"})
  void relayToNotHostPort_isRefusedNamingTheKeyAndQuotingTheValue(String relayTo) {
    runner.withPropertyValues("bridge.daemon.relay-to=" + relayTo).run(ctx ->
        assertThat(ConfigErrors.oneLine(ctx.getStartupFailure()))
            .startsWith("configuration error: bridge.daemon.relay-to")
            .contains("'" + relayTo + "'"));
  }
}
