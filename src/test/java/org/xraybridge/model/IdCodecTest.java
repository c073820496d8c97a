package org.xraybridge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.xraybridge.testing.Cases;

class IdCodecTest {

  @Test
  void datadogTraceId_randomXRayRoot_isMaskedTo63Bits() {
    // docs/conversion.md §1 worked example
    assertThat(IdCodec.datadogTraceId("1-5759e988-bd862e3fe1be46a994272793")).isEqualTo(7043144561403045779L);
    assertThat(IdCodec.datadogTraceId("1-5e272390-8c398be037738dc042009320")).isEqualTo(3995693151288333088L);
  }

  @Test
  void datadogTraceId_paddedByADatadogTracer_isTakenUnmasked() {
    assertThat(IdCodec.datadogTraceId("1-633c7675-0000000048485a3953bb6124")).isEqualTo(5208512171318403364L);
    // above 2^63: the dd-shaped root of the captured corpus
    assertThat(Long.toUnsignedString(IdCodec.datadogTraceId("1-65a1b2c3-00000000a1b2c3d4e5f60718")))
        .isEqualTo("11651590505119483672");
  }

  @Test
  void parseHex64_segmentId_isUnsigned() {
    assertThat(Long.toUnsignedString(IdCodec.parseHex64("94ae789b969f1cc5", "id"))).isEqualTo("10713633173203262661");
    assertThat(IdCodec.parseHex64("94AE789B969F1CC5", "id")).isEqualTo(IdCodec.parseHex64("94ae789b969f1cc5", "id"));
  }

  @Test
  void parseHex64_malformed_messageQuotesTheInput() {
    assertThatThrownBy(() -> IdCodec.parseHex64("abcdefgh12345678", "segment id"))
        .isInstanceOf(IdCodec.IdFormatException.class)
        .hasMessageContaining("segment id")
        .hasMessageContaining("'abcdefgh12345678'");
    assertThatThrownBy(() -> IdCodec.parseHex64("11111", "id")).hasMessageContaining("16 hex digits");
    assertThatThrownBy(() -> IdCodec.parseHex64("0000000000000000", "id")).hasMessageContaining("all zeros");
    assertThatThrownBy(() -> IdCodec.parseHex64(null, "id")).hasMessageContaining("nothing");
  }

  /** Hex digits are ASCII: Arabic-Indic or full-width digits are no id, as isHex64 already said. */
  @Test
  void nonAsciiDigits_areNoHexDigits() {
    String arabicOne = "\u0660".repeat(15) + "\u0661";
    String fullWidth = "\uff10".repeat(15) + "\uff11";
    assertThat(IdCodec.isHex64(arabicOne)).isFalse();
    assertThatThrownBy(() -> IdCodec.parseHex64(arabicOne, "segment id")).isInstanceOf(IdCodec.IdFormatException.class);
    assertThatThrownBy(() -> IdCodec.parseHex64(fullWidth, "segment id")).isInstanceOf(IdCodec.IdFormatException.class);
    assertThatThrownBy(() -> IdCodec.datadogTraceId("1-5759e988-bd862e3fe1be46a9942727" + "\u0669\u0669\u0669"))
        .isInstanceOf(IdCodec.IdFormatException.class);
    assertThatThrownBy(() -> IdCodec.traceIdReadings("\u0661\u0662\u0663")).isInstanceOf(IdCodec.IdFormatException.class);
  }

  @Test
  void datadogTraceId_malformed_isRejected() {
    for (String bad : new String[] {
        "1-12345678-1234567890abcdefghijklmn", "1-5759e988-bd862e3fe1be46a99427279", "2-5759e988-bd862e3fe1be46a994272793",
        "1-5759e988bd862e3fe1be46a994272793", "1-00000000-000000000000000000000000", "", "5759e988bd862e3fe1be46a994272793"}) {
      assertThatThrownBy(() -> IdCodec.datadogTraceId(bad)).as(bad).isInstanceOf(IdCodec.IdFormatException.class);
    }
  }

  @Test
  void hex64_roundTrips() {
    Cases.forAll(20261129L, Cases.tries(5_000), r -> r.nextLong(), raw -> {
      if (raw == 0) return;
      String hex = IdCodec.toHex64(raw);
      assertThat(hex).hasSize(16).matches("[0-9a-f]{16}");
      assertThat(IdCodec.parseHex64(hex, "id")).isEqualTo(raw);
      assertThat(IdCodec.isHex64(hex)).isTrue();
    });
  }

  @Test
  void paddedXRayTraceId_roundTripsToTheDatadogId() {
    Cases.forAll(7L, Cases.tries(5_000), r -> new long[] {r.nextLong(0, 0xFFFF_FFFFL), r.nextLong()}, v -> {
      if (v[1] == 0) return;
      String xray = IdCodec.paddedXRayTraceId(v[0], v[1]);
      assertThat(xray).hasSize(35);
      assertThat(IdCodec.isPadded(xray)).isTrue();
      assertThat(IdCodec.datadogTraceId(xray)).isEqualTo(v[1]);
      assertThat(IdCodec.traceIdReadings(xray)[0]).isEqualTo(v[1]);
      assertThat(IdCodec.traceIdReadings(Long.toUnsignedString(v[1]))[0]).isEqualTo(v[1]);
      assertThat(IdCodec.traceIdReadings("0000000000000000" + IdCodec.toHex64(v[1]))[0]).isEqualTo(v[1]);
    });
  }

  @Test
  void traceIdReadings_sixteenDecimalDigits_readAsDecimalAndAsHex() {
    // 0x1234567890123456 prints as hex without a letter; 1234567890123456 is also a decimal id
    assertThat(IdCodec.traceIdReadings("1234567890123456")).containsExactly(1234567890123456L, 0x1234567890123456L);
    assertThat(IdCodec.traceIdReadings("12345678901234567")).containsExactly(12345678901234567L);
    assertThat(IdCodec.traceIdReadings("00000000000004f0")).containsExactly(0x4f0L);
    assertThat(IdCodec.traceIdReadings(" 1-5759e988-bd862e3fe1be46a994272793 ")).containsExactly(7043144561403045779L);
    assertThatThrownBy(() -> IdCodec.traceIdReadings("12ab")).hasMessageContaining("trace id");
  }

  @Test
  void datadogTraceId_unpaddedIds_neverHaveTheTopBit() {
    Cases.forAll(11L, Cases.tries(5_000), r -> {
      StringBuilder u = new StringBuilder();
      for (int i = 0; i < 24; i++) u.append(Character.forDigit(r.nextInt(16), 16));
      if (u.toString().startsWith("00000000")) u.setCharAt(0, '1');
      return "1-5759e988-" + u;
    }, id -> assertThat(IdCodec.datadogTraceId(id)).isNotNegative());
  }

  @org.junit.jupiter.api.Test
  void xrayTraceIdOf_takesTheW3cFormOrTheXRayForm_andChecksTheShapeOnly() {
    org.assertj.core.api.Assertions.assertThat(IdCodec.xrayTraceIdOf("6ACF4B17A7C60D98B36955FD67AF47CA"))
        .isEqualTo("1-6acf4b17-a7c60d98b36955fd67af47ca");
    org.assertj.core.api.Assertions.assertThat(IdCodec.xrayTraceIdOf("1-6ACF4B17-a7c60d98b36955fd67af47ca"))
        .isEqualTo("1-6acf4b17-a7c60d98b36955fd67af47ca");
    for (String bad : new String[] {"", "6acf4b17", "6acf4b17a7c60d98b36955fd67af47cg", "1-6acf4b17a7c60d98b36955fd67af47cab",
        "2-6acf4b17-a7c60d98b36955fd67af47ca"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> IdCodec.xrayTraceIdOf(bad))
          .as(bad).isInstanceOf(IdCodec.IdFormatException.class).hasMessageContaining("traceId");
    }
  }
}
