package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.receiver.Msgpack.list;
import static org.xraybridge.receiver.Msgpack.pack;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one check of a {@code /v0.6/stats} body: exactly one whole msgpack map, or the reason it is not. */
class StatsEndpointTest {

  @Test
  void notOneMap_saysWhy() {
    byte[] map = pack(Map.of("Hostname", "h", "Stats", list()));
    assertThat(StatsEndpoint.notOneMap(map)).isEmpty();
    assertThat(StatsEndpoint.notOneMap(pack(Map.of()))).isEmpty();
    assertThat(StatsEndpoint.notOneMap(new byte[0])).isEqualTo("the body is empty");
    assertThat(StatsEndpoint.notOneMap(pack(list(1)))).isEqualTo("the body is an array");
    assertThat(StatsEndpoint.notOneMap(new byte[] {(byte) 0xc1})).contains("0xc1");
    assertThat(StatsEndpoint.notOneMap(Arrays.copyOf(map, map.length + 2))).isEqualTo("2 bytes follow the map");
    assertThat(StatsEndpoint.notOneMap(Arrays.copyOf(map, map.length - 1))).contains("inside the map");
    assertThat(StatsEndpoint.notOneMap(new byte[] {(byte) 0x81, (byte) 0xc1, 1})).contains("0xc1");
  }
}
