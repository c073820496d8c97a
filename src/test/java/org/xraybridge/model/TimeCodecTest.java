package org.xraybridge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xraybridge.testing.Cases;

class TimeCodecTest {

  @Test
  void nanos_decimalText_isExact() {
    assertThat(TimeCodec.nanos("1480615200.010")).isEqualTo(1480615200010000000L);
    assertThat(TimeCodec.nanos("1.478293361271E9")).isEqualTo(1478293361271000000L);
    assertThat(TimeCodec.nanos("1.6815744310206673E9")).isEqualTo(1681574431020667300L);
    assertThat(TimeCodec.nanos("1478293365")).isEqualTo(1478293365000000000L);
    assertThat(TimeCodec.nanos("1595437651.680097")).isEqualTo(1595437651680097000L);
    assertThat(TimeCodec.nanos("0")).isZero();
    assertThat(TimeCodec.nanos("1.5e-9")).isEqualTo(2); // half up
    assertThat(TimeCodec.nanos("1533928226.6130002")).isEqualTo(1533928226613000200L);
  }

  @Test
  void nanos_moreThanNineFractionDigits_roundsHalfUp() {
    assertThat(TimeCodec.nanos("1.0000000005")).isEqualTo(1_000_000_001L);
    assertThat(TimeCodec.nanos("1.0000000004999")).isEqualTo(1_000_000_000L);
  }

  @Test
  void nanos_notANumber_isRejectedWithTheText() {
    assertThatThrownBy(() -> TimeCodec.nanos("abc")).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> TimeCodec.nanos("")).isInstanceOf(TimeCodec.TimeFormatException.class);
    assertThatThrownBy(() -> TimeCodec.nanos("1e")).isInstanceOf(TimeCodec.TimeFormatException.class);
    assertThatThrownBy(() -> TimeCodec.nanos("1e30")).isInstanceOf(TimeCodec.TimeFormatException.class);
  }

  /**
   * A huge exponent is a bad time, not work: rounding 1e300000000 to whole nanoseconds would build a
   * number of 10^9 bits first (seconds of CPU, ~125 MB) — one datagram on the daemon port can carry
   * hundreds of them.
   */
  @Test
  void nanos_hugeExponents_areAnsweredAtOnce() {
    assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
      assertThatThrownBy(() -> TimeCodec.nanos("1e300000000")).isInstanceOf(TimeCodec.TimeRangeException.class);
      assertThatThrownBy(() -> TimeCodec.nanos("-1.5E+300000000")).isInstanceOf(TimeCodec.TimeRangeException.class);
      assertThat(TimeCodec.nanos("1e-300000000")).isZero();
      assertThat(TimeCodec.nanos("-7e-300000000")).isZero();
    });
    assertThat(TimeCodec.nanos("9e-10")).as("0.9 ns rounds up").isEqualTo(1);
    assertThat(TimeCodec.nanos("4e-10")).isZero();
    assertThat(TimeCodec.nanos("9.2e9")).isEqualTo(9_200_000_000_000_000_000L);
    assertThatThrownBy(() -> TimeCodec.nanos("9.3e9")).isInstanceOf(TimeCodec.TimeRangeException.class);
    assertThatThrownBy(() -> TimeCodec.nanos("1e2147483648")).isInstanceOf(TimeCodec.TimeFormatException.class);
  }

  @Test
  void nanos_agreesWithBigDecimal() {
    Cases.forAll(42L, Cases.tries(20_000), r -> {
      long seconds = r.nextLong(946_684_800L, 4_102_444_800L);
      int fractionDigits = r.nextInt(0, 13);
      StringBuilder s = new StringBuilder(Long.toString(seconds));
      if (fractionDigits > 0) {
        s.append('.');
        for (int i = 0; i < fractionDigits; i++) s.append((char) ('0' + r.nextInt(10)));
      }
      String plain = s.toString();
      return r.nextBoolean() ? plain : new BigDecimal(plain).round(new java.math.MathContext(17)).toString().replace("E+", "E");
    }, text -> {
      long expected = new BigDecimal(text).movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact();
      assertThat(TimeCodec.nanos(text)).as(text).isEqualTo(expected);
    });
  }
}
