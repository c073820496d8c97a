package org.xraybridge.convert.otel;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * {@code startTimeUnixNano}-style text → nanoseconds (docs/conversion.md §8). The usual form, an
 * integer of up to 19 digits, is read directly; any other JSON number spelling ({@code 1.7e18}) goes
 * through BigDecimal and rounds half up to the nanosecond.
 */
final class Nanos {

  private Nanos() {}

  /** The text is not a number. */
  static final class NotANumber extends Exception {
    NotANumber(String text) {
      super("expected a number of nanoseconds, got '" + abbreviate(text) + "'", null, false, false);
    }
  }

  /** A number, but outside what a signed 64-bit count of nanoseconds holds. */
  static final class OutOfRange extends Exception {
    OutOfRange(String text) {
      super("a number of nanoseconds too large for 64 bits: '" + abbreviate(text) + "'", null, false, false);
    }
  }

  static long parse(String text) throws NotANumber, OutOfRange {
    int n = text.length();
    int i = 0;
    boolean negative = false;
    if (n > 0 && (text.charAt(0) == '-' || text.charAt(0) == '+')) {
      negative = text.charAt(0) == '-';
      i = 1;
    }
    if (i == n) throw new NotANumber(text);
    long v = 0;
    boolean plain = true;
    for (int j = i; j < n; j++) {
      char c = text.charAt(j);
      if (c < '0' || c > '9') {
        plain = false;
        break;
      }
      int d = c - '0';
      // accumulate negatively: Long.MIN_VALUE has no positive twin
      if (v < (Long.MIN_VALUE + d) / 10) throw new OutOfRange(text);
      v = v * 10 - d;
    }
    if (plain) {
      if (!negative) {
        if (v == Long.MIN_VALUE) throw new OutOfRange(text);
        v = -v;
      }
      return v;
    }
    BigDecimal d;
    try {
      d = new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new NotANumber(text);
    }
    // decide by the digits before the point first: rescaling 1e999999999 would build a huge number
    long integerDigits = (long) d.precision() - d.scale();
    if (integerDigits > 19) throw new OutOfRange(text);
    if (integerDigits < -1) return 0;
    d = d.setScale(0, RoundingMode.HALF_UP);
    try {
      return d.longValueExact();
    } catch (ArithmeticException e) {
      throw new OutOfRange(text);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }
}
