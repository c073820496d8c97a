package org.xraybridge.source.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DaemonSettingsTest {

  @Test
  void defaults_areTheDocumentedOnes() {
    DaemonSettings d = DaemonSettings.defaults();
    assertThat(d.bindHost()).isEqualTo("127.0.0.1");
    assertThat(d.port()).isEqualTo(2000);
    assertThat(d.relayTo()).isEmpty();
    assertThat(d.quietPeriod()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.assemblyWindow()).isEqualTo(Duration.ofSeconds(5));
    assertThat(d.orphanWindow()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.inProgressTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(d.maxBytes()).isEqualTo(64L << 20);
  }

  @Test
  void constructor_windowShorterThanTheQuietPeriod_failsNamingBothFields() {
    assertThatThrownBy(() -> DaemonSettings.defaults().withTiming(Duration.ofSeconds(2), Duration.ofSeconds(1),
        Duration.ofSeconds(30), Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("assemblyWindow").hasMessageContaining("quietPeriod");
    assertThatThrownBy(() -> DaemonSettings.defaults().withTiming(Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(2), Duration.ofMillis(100)))
        .hasMessageContaining("orphanWindow (PT2S) must be >= assemblyWindow (PT5S)");
  }

  @Test
  void constructor_capsTooSmall_failWithTheValue() {
    assertThatThrownBy(() -> DaemonSettings.defaults().withCaps(0, 10, 1 << 20)).hasMessageContaining("maxTraces: expected >= 1, got 0");
    assertThatThrownBy(() -> DaemonSettings.defaults().withCaps(10, 10, 1_000)).hasMessageContaining("maxBytes").hasMessageContaining("1000");
    assertThatThrownBy(() -> DaemonSettings.defaults().withBind("127.0.0.1", 70_000)).hasMessageContaining("port: expected 0..65535, got 70000");
  }

  @ParameterizedTest
  @ValueSource(strings = {"xray-daemon", "host:", ":2000", "host:port", "host:0", "::1:2000", "host:65536"})
  void constructor_relayToNotHostPort_failsQuotingTheValue(String relayTo) {
    assertThatThrownBy(() -> DaemonSettings.defaults().withRelayTo(relayTo))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("relayTo:").hasMessageContaining(relayTo);
  }

  @Test
  void relayAddress_hostPortAndBracketedIpv6_parsed() {
    assertThat(RelayAddress.parse("xray-daemon:2000")).isEqualTo(new RelayAddress("xray-daemon", 2000));
    assertThat(RelayAddress.parse("[::1]:2001")).isEqualTo(new RelayAddress("::1", 2001));
    assertThat(DaemonSettings.defaults().withRelayTo("127.0.0.1:2001").relayTo()).isEqualTo("127.0.0.1:2001");
  }
}
