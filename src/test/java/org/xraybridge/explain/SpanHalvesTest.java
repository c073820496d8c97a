package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;

class SpanHalvesTest {

  @Test
  void put_manyIds_eachFoundWithItsHalfAndOthersFallBack() {
    SpanHalves table = new SpanHalves();
    Map<Long, Half> expected = new HashMap<>();
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      long id = i < 100 ? i + 1 : r.nextLong(); // small sequential ids too, as some tracers and tests use
      Half half = r.nextBoolean() ? Half.XRAY_POLL : Half.XRAY_DAEMON;
      table.put(id, half);
      expected.put(id, half);
    }
    expected.forEach((id, half) -> assertThat(table.get(id, Half.NATIVE)).isEqualTo(half));
    assertThat(table.size()).isEqualTo(expected.size() - (expected.containsKey(0L) ? 1 : 0));
    assertThat(table.get(-12345L, Half.NATIVE)).isEqualTo(Half.NATIVE);
  }

  @Test
  void put_zeroId_ignored() {
    SpanHalves table = new SpanHalves();
    table.put(0, Half.XRAY_POLL);
    assertThat(table.size()).isZero();
    assertThat(table.get(0, Half.NATIVE)).isEqualTo(Half.NATIVE);
  }
}
