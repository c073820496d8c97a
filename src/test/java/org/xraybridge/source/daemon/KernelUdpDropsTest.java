package org.xraybridge.source.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelUdpDropsTest {

  private static final String TABLE = """
         sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
        1021: 0100007F:07D0 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 41234 2 0000000000000000 17
        1022: 00000000:07D0 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 41235 2 0000000000000000 3
        1023: 0100007F:D0D0 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 41236 2 0000000000000000 99
        """;

  @Test
  void forPort_procNetUdpTable_sumsTheDropsOfTheSocketsOnThatPort() {
    assertThat(KernelUdpDrops.forPort(TABLE, 2000)).isEqualTo(20);
    assertThat(KernelUdpDrops.forPort(TABLE, 0xD0D0)).isEqualTo(99);
    assertThat(KernelUdpDrops.forPort(TABLE, 2001)).isZero();
  }

  @Test
  void forPort_thisMachine_readsTheKernelOrSaysUnknown() {
    assertThat(KernelUdpDrops.forPort(1)).isGreaterThanOrEqualTo(-1);
  }
}
