package org.xraybridge.source.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The relay address: the form {@code bridge.daemon.relay-to} is checked against (see DaemonPropertiesTest). */
class RelayAddressTest {

  @Test
  void relayAddress_hostPortAndBracketedIpv6_parsed() {
    assertThat(RelayAddress.parse("xray-daemon:2000")).isEqualTo(new RelayAddress("xray-daemon", 2000));
    assertThat(RelayAddress.parse("[::1]:2001")).isEqualTo(new RelayAddress("::1", 2001));
  }

  @ParameterizedTest
  @ValueSource(strings = {"xray-daemon", "host:", ":2000", "host:port", "host:0", "::1:2000", "host:65536", "my host:2000"})
  void notHostPort_failsQuotingTheValue(String relayTo) {
    assertThatThrownBy(() -> RelayAddress.parse(relayTo)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + relayTo + "'");
  }
}
