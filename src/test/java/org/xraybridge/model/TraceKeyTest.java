package org.xraybridge.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceKeyTest {
  @Test
  void of_topBitSet_isMaskedTo63Bits() {
    // 0xa1b2c3d4e5f60718 (a dd-shaped X-Ray root above 2^63) and its 63-bit mask share a key
    long unmasked = 0xa1b2c3d4e5f60718L;
    assertThat(TraceKey.of(unmasked)).isEqualTo(TraceKey.of(unmasked & Long.MAX_VALUE));
    assertThat(TraceKey.of(unmasked).value()).isEqualTo(0x21b2c3d4e5f60718L);
  }
}
