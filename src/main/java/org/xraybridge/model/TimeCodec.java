package org.xraybridge.model;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * X-Ray times (epoch seconds written as a JSON number: {@code 1480615200.010},
 * {@code 1.480615200010E9}, {@code 1478293365}) → nanoseconds, computed from the decimal text so no
 * binary floating-point rounding creeps in: {@code 1480615200.010} is exactly 1480615200010000000.
 * Digits beyond the nanosecond round half up.
 */
public final class TimeCodec {

  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) POW10[i] = POW10[i - 1] * 10;
  }

  /** 2000-01-01T00:00:00Z in ns: the Datadog Agent repairs earlier span starts, and so do we. */
  public static final long YEAR_2000_NANOS = 946_684_800_000_000_000L;

  private TimeCodec() {}

  /** {@code clock}'s now in nanoseconds since the epoch, the unit of every span time. */
  public static long epochNanos(java.time.Clock clock) {
    return epochNanos(clock.instant());
  }

  /** {@code t} in nanoseconds since the epoch. */
  public static long epochNanos(java.time.Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /**
   * Thrown when the text is not a number, or (as {@link TimeRangeException}) does not fit in
   * nanoseconds. No stack trace: bad data becomes a counted rejection, and filling one in would cost
   * more than converting the document.
   */
  public static class TimeFormatException extends IllegalArgumentException {
    TimeFormatException(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** A number, but too large (or small) to be held in nanoseconds since the epoch. */
  public static final class TimeRangeException extends TimeFormatException {
    TimeRangeException(String message) {
      super(message);
    }
  }

  /** Nanoseconds since the epoch for an epoch-seconds decimal text. */
  public static long nanos(CharSequence text) {
    int len = text.length();
    int i = 0;
    boolean negative = false;
    if (i < len && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
      negative = text.charAt(i) == '-';
      i++;
    }
    long mantissa = 0;
    int digits = 0; // significant digits accumulated in mantissa
    int fraction = 0; // digits after the point that went into mantissa
    boolean seenDigit = false;
    boolean seenPoint = false;
    for (; i < len; i++) {
      char c = text.charAt(i);
      if (c >= '0' && c <= '9') {
        seenDigit = true;
        if (digits >= 18) return slow(text);
        if (mantissa != 0 || c != '0') digits++;
        mantissa = mantissa * 10 + (c - '0');
        if (seenPoint) fraction++;
      } else if (c == '.' && !seenPoint) {
        seenPoint = true;
      } else if (c == 'e' || c == 'E') {
        break;
      } else {
        throw new TimeFormatException("expected a number of seconds, got '" + text + "'");
      }
    }
    if (!seenDigit) throw new TimeFormatException("expected a number of seconds, got '" + text + "'");
    int exponent = 0;
    if (i < len) {
      i++; // 'e'
      boolean expNegative = false;
      if (i < len && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
        expNegative = text.charAt(i) == '-';
        i++;
      }
      if (i >= len) throw new TimeFormatException("expected a number of seconds, got '" + text + "'");
      for (; i < len; i++) {
        char c = text.charAt(i);
        if (c < '0' || c > '9') throw new TimeFormatException("expected a number of seconds, got '" + text + "'");
        exponent = exponent * 10 + (c - '0');
        if (exponent > 400) return slow(text);
      }
      if (expNegative) exponent = -exponent;
    }
    // value = mantissa × 10^(exponent − fraction) seconds = mantissa × 10^(exponent − fraction + 9) ns
    int scale = exponent - fraction + 9;
    long result;
    if (scale >= 0) {
      if (scale >= POW10.length) return slow(text);
      long p = POW10[scale];
      if (mantissa != 0 && mantissa > Long.MAX_VALUE / p) {
        // an exact integer past Long.MAX_VALUE: no rounding can bring it back (a negative one might
        // just reach Long.MIN_VALUE, so that edge goes the slow way)
        if (!negative) throw new TimeRangeException("a number of seconds too large for nanoseconds: '" + text + "'");
        return slow(text);
      }
      result = mantissa * p;
    } else {
      int down = -scale;
      if (down >= POW10.length) {
        result = 0;
      } else {
        long p = POW10[down];
        long q = mantissa / p;
        long r = mantissa % p;
        result = r * 2 >= p ? q + 1 : q; // half up
      }
    }
    return negative ? -result : result;
  }

  private static long slow(CharSequence text) {
    BigDecimal seconds;
    try {
      seconds = new BigDecimal(text.toString());
    } catch (NumberFormatException | ArithmeticException e) {
      throw new TimeFormatException("expected a number of seconds, got '" + text + "'");
    }
    // judged by magnitude before rounding: rounding 1e300000000 (or 1e-300000000) to whole nanoseconds
    // would first build a number of a billion bits
    int integerDigits = seconds.precision() - seconds.scale();
    if (seconds.signum() == 0 || integerDigits <= -10) return 0; // under 0.1 ns
    if (integerDigits > 11) throw new TimeRangeException("a number of seconds too large for nanoseconds: '" + text + "'");
    BigDecimal ns = seconds.movePointRight(9).setScale(0, RoundingMode.HALF_UP);
    try {
      return ns.longValueExact();
    } catch (ArithmeticException e) {
      throw new TimeRangeException("a number of seconds too large for nanoseconds: '" + text + "'");
    }
  }
}
