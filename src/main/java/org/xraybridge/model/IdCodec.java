package org.xraybridge.model;

/**
 * The one place ids are parsed and printed (docs/conversion.md §1). Nothing else in the bridge reads hex.
 *
 * <ul>
 *   <li>X-Ray segment, subsegment and exception ids: exactly 16 hex digits (either case), never all
 *       zeros, read as an unsigned 64-bit value.
 *   <li>X-Ray trace ids {@code 1-EEEEEEEE-UUUUUUUUUUUUUUUUUUUUUUUU}: the Datadog {@code trace_id} is the
 *       last 16 hex digits of U, masked to 63 bits (the rule of Datadog's Lambda libraries) unless U
 *       starts with {@code 00000000}, the padding dd-trace-java writes when it injects its own id — then
 *       the 64 bits are the Datadog id itself and are taken unmasked.
 * </ul>
 *
 * Methods that parse throw {@link IdFormatException} whose message quotes the rejected input.
 */
public final class IdCodec {

  private static final long LOW_63 = 0x7FFF_FFFF_FFFF_FFFFL;
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  /** Hex digit values of the ASCII chars, -1 for the others. */
  private static final byte[] ASCII_HEX = new byte[128];

  static {
    for (int c = 0; c < 128; c++) ASCII_HEX[c] = (byte) Character.digit(c, 16);
  }

  private IdCodec() {}

  /**
   * Thrown for a malformed id; the message names what was expected and quotes what was found. It
   * carries no stack trace: it reports bad data, which the converter turns into a counted rejection,
   * and filling in the trace would cost more than the whole conversion of the document.
   */
  public static final class IdFormatException extends IllegalArgumentException {
    IdFormatException(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** Parses exactly 16 hex digits; rejects all zeros. {@code what} names the field in the message. */
  public static long parseHex64(CharSequence hex, String what) {
    if (hex == null || hex.length() != 16) {
      throw new IdFormatException(what + ": expected 16 hex digits, got " + quote(hex));
    }
    long v = 0;
    for (int i = 0; i < 16; i++) {
      int d = digit(hex.charAt(i));
      if (d < 0) throw new IdFormatException(what + ": expected 16 hex digits, got " + quote(hex));
      v = (v << 4) | d;
    }
    if (v == 0) throw new IdFormatException(what + ": all zeros, got " + quote(hex));
    return v;
  }

  /** True when {@code hex} is 16 hex digits and not all zeros. */
  public static boolean isHex64(CharSequence hex) {
    if (hex == null || hex.length() != 16) return false;
    boolean nonZero = false;
    for (int i = 0; i < 16; i++) {
      char c = hex.charAt(i);
      int d = digit(c);
      if (d < 0 || c > 'f') return false;
      if (d != 0) nonZero = true;
    }
    return nonZero;
  }

  /** Lower-case, zero-padded 16 hex digits. */
  public static String toHex64(long value) {
    char[] out = new char[16];
    for (int i = 15; i >= 0; i--) {
      out[i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
    return new String(out);
  }

  /** The unsigned decimal text of a 64-bit id (how Datadog shows ids). */
  public static String toUnsignedDecimal(long value) {
    return Long.toUnsignedString(value);
  }

  /**
   * Checks the shape {@code 1-EEEEEEEE-UUUUUUUUUUUUUUUUUUUUUUUU} (8 and 24 hex digits, unique part
   * not all zeros) and returns the Datadog trace id it maps to.
   */
  public static long datadogTraceId(CharSequence xrayTraceId) {
    if (xrayTraceId == null
        || xrayTraceId.length() != 35
        || xrayTraceId.charAt(0) != '1'
        || xrayTraceId.charAt(1) != '-'
        || xrayTraceId.charAt(10) != '-') {
      throw new IdFormatException("trace_id: expected 1-<8 hex>-<24 hex>, got " + quote(xrayTraceId));
    }
    for (int i = 2; i < 10; i++) {
      if (digit(xrayTraceId.charAt(i)) < 0) {
        throw new IdFormatException("trace_id: expected 1-<8 hex>-<24 hex>, got " + quote(xrayTraceId));
      }
    }
    long high32 = 0;
    for (int i = 11; i < 19; i++) {
      int d = digit(xrayTraceId.charAt(i));
      if (d < 0) throw new IdFormatException("trace_id: expected 1-<8 hex>-<24 hex>, got " + quote(xrayTraceId));
      high32 = (high32 << 4) | d;
    }
    long low64 = 0;
    for (int i = 19; i < 35; i++) {
      int d = digit(xrayTraceId.charAt(i));
      if (d < 0) throw new IdFormatException("trace_id: expected 1-<8 hex>-<24 hex>, got " + quote(xrayTraceId));
      low64 = (low64 << 4) | d;
    }
    if (high32 == 0 && low64 == 0) {
      throw new IdFormatException("trace_id: unique part is all zeros, got " + quote(xrayTraceId));
    }
    // A Datadog tracer pads its own 64-bit id with 8 zero digits (docs/conversion.md §1): take it whole.
    return high32 == 0 ? low64 : low64 & LOW_63;
  }

  /**
   * The X-Ray form of a trace id written either way: 32 hex digits — a W3C id as {@code aws/spans}
   * records write it, the X-Ray id without {@code 1-} and dash (docs/conversion.md §8.2) — become
   * {@code 1-eeeeeeee-uuuuuuuuuuuuuuuuuuuuuuuu}; an id in X-Ray form is lower-cased. The shape is all
   * that is checked: {@link #datadogTraceId} checks the rest.
   *
   * @throws IdFormatException when it is neither
   */
  public static String xrayTraceIdOf(CharSequence traceId) {
    int n = traceId == null ? 0 : traceId.length();
    boolean xray = n == 35 && traceId.charAt(0) == '1' && traceId.charAt(1) == '-' && traceId.charAt(10) == '-';
    if (!xray && n != 32) throw new IdFormatException("traceId: expected 32 hex digits, got " + quote(traceId));
    char[] out = new char[35];
    out[0] = '1';
    out[1] = '-';
    out[10] = '-';
    for (int i = 0, o = 2; i < n; i++) {
      if (xray && (i < 2 || i == 10)) continue;
      char c = traceId.charAt(i);
      if (digit(c) < 0) throw new IdFormatException("traceId: expected 32 hex digits, got " + quote(traceId));
      out[o++] = Character.toLowerCase(c);
      if (o == 10) o = 11;
    }
    return new String(out);
  }

  /** True when the X-Ray id carries a Datadog tracer's id (unique part starts with 8 zeros). */
  public static boolean isPadded(CharSequence xrayTraceId) {
    return xrayTraceId != null && xrayTraceId.length() == 35 && "00000000".contentEquals(xrayTraceId.subSequence(11, 19));
  }

  /**
   * The X-Ray trace id a Datadog tracer would inject for {@code datadogTraceId}: padded, with
   * {@code epochSeconds} as the time part.
   */
  public static String paddedXRayTraceId(long epochSeconds, long datadogTraceId) {
    String epoch = Long.toHexString(epochSeconds & 0xFFFF_FFFFL);
    return "1-" + "00000000".substring(epoch.length()) + epoch + "-00000000" + toHex64(datadogTraceId);
  }

  /**
   * The Datadog trace ids a pasted text may mean: an unsigned decimal (as Datadog shows ids), 32 or
   * 16 hex digits (W3C / Datadog hex; the low 64 bits are used), or an X-Ray id. Usually one; two
   * when the text is 16 decimal digits, which read as a decimal id and as a hex id both (the explain
   * view prints hex ids with 16 digits, and about one in 2,000 of them has no letter).
   *
   * @throws IdFormatException when the text is none of these
   */
  public static long[] traceIdReadings(String text) {
    String t = text == null ? "" : text.strip();
    if (t.startsWith("1-")) return new long[] {datadogTraceId(t)};
    boolean digits = !t.isEmpty() && t.chars().allMatch(c -> c >= '0' && c <= '9');
    if (t.length() == 32 || (t.length() == 16 && !digits)) {
      return new long[] {parseHex64(t.substring(t.length() - 16), "trace id")};
    }
    long decimal;
    try {
      if (!digits) throw new NumberFormatException(); // parseUnsignedLong takes other scripts' digits too
      decimal = Long.parseUnsignedLong(t);
    } catch (NumberFormatException e) {
      throw new IdFormatException("trace id: expected a decimal, 32-hex or X-Ray id, got " + quote(t));
    }
    return t.length() == 16 ? new long[] {decimal, parseHex64(t, "trace id")} : new long[] {decimal};
  }

  /** The value of ASCII hex digit {@code c}, else -1 (ids are ASCII: {@code Character.digit} would take other scripts' digits). */
  private static int digit(char c) {
    return c < 128 ? ASCII_HEX[c] : -1;
  }

  private static String quote(CharSequence s) {
    if (s == null) return "nothing";
    String v = s.toString();
    if (v.length() > 64) v = v.substring(0, 64) + "…";
    return "'" + v + "'";
  }
}
