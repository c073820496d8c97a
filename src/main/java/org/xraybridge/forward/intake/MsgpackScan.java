package org.xraybridge.forward.intake;

/**
 * Reads the msgpack of a span map the receiver already checked ({@code model.SpanBytes}): headers,
 * string ranges, numbers and skips, straight off the array.
 *
 * <p>Why not the receiver's cursor: stages do not import each other, and this one has an easier job.
 * The bytes it reads were decoded once already and kept only when every value had the type the span
 * needs, so it does not report errors with positions and texts as a decoder must; a byte it does not
 * expect means the bytes are not what the receiver kept, and it throws {@link IllegalStateException}.
 *
 * <p>Not thread-safe: one per writer.
 */
final class MsgpackScan {

  private byte[] a = new byte[0];
  private int pos;
  /** Where the last {@link #text()} starts and how long it is. */
  int textAt;
  int textLength;

  /** Reads {@code a} from {@code at}. */
  void reset(byte[] a, int at) {
    this.a = a;
    this.pos = at;
  }

  int pos() {
    return pos;
  }

  /** A map's entry count; nil is an empty map (as the receiver reads meta and metrics). */
  int mapHeader() {
    int b = a[pos] & 0xFF;
    if ((b & 0xF0) == 0x80) {
      pos++;
      return b & 0x0F;
    }
    return switch (b) {
      case 0xC0 -> { pos++; yield 0; }
      case 0xDE -> { int n = u16(pos + 1); pos += 3; yield n; }
      case 0xDF -> { int n = (int) u32(pos + 1); pos += 5; yield n; }
      default -> throw unexpected(b, "a map");
    };
  }

  /** A str or bin (its range in {@link #textAt}/{@link #textLength}), or nil (an empty range). */
  void text() {
    int b = a[pos] & 0xFF;
    int n;
    int header;
    if ((b & 0xE0) == 0xA0) {
      n = b & 0x1F;
      header = 1;
    } else {
      switch (b) {
        case 0xC0 -> { n = 0; header = 1; }
        case 0xD9, 0xC4 -> { n = a[pos + 1] & 0xFF; header = 2; }
        case 0xDA, 0xC5 -> { n = u16(pos + 1); header = 3; }
        case 0xDB, 0xC6 -> { n = (int) u32(pos + 1); header = 5; }
        default -> throw unexpected(b, "a string");
      }
    }
    textAt = pos + header;
    textLength = n;
    pos = textAt + n;
  }

  /** A float or an integer as a double, nil 0 (as the receiver reads metrics). */
  double number() {
    int b = a[pos] & 0xFF;
    if (b <= 0x7F) { pos++; return b; }
    if (b >= 0xE0) { pos++; return (byte) b; }
    double v = switch (b) {
      case 0xC0 -> 0;
      case 0xCA -> Float.intBitsToFloat((int) u32(pos + 1));
      case 0xCB -> Double.longBitsToDouble(u64(pos + 1));
      case 0xCC -> a[pos + 1] & 0xFF;
      case 0xCD -> u16(pos + 1);
      case 0xCE -> u32(pos + 1);
      case 0xCF -> unsignedToDouble(u64(pos + 1));
      case 0xD0 -> a[pos + 1];
      case 0xD1 -> (short) u16(pos + 1);
      case 0xD2 -> (int) u32(pos + 1);
      case 0xD3 -> u64(pos + 1);
      default -> throw unexpected(b, "a number");
    };
    pos += b == 0xC0 ? 1 : 1 + width(b);
    return v;
  }

  /** Skips one value, containers included. */
  void skip() {
    long pending = 1;
    while (pending > 0) {
      pending--;
      int b = a[pos] & 0xFF;
      if (b <= 0x7F || b >= 0xE0 || b == 0xC0 || b == 0xC2 || b == 0xC3) { pos++; continue; }
      if ((b & 0xF0) == 0x80) { pos++; pending += 2L * (b & 0x0F); continue; }
      if ((b & 0xF0) == 0x90) { pos++; pending += b & 0x0F; continue; }
      if ((b & 0xE0) == 0xA0) { pos += 1 + (b & 0x1F); continue; }
      switch (b) {
        case 0xC4, 0xD9 -> pos += 2 + (a[pos + 1] & 0xFF);
        case 0xC5, 0xDA -> pos += 3 + u16(pos + 1);
        case 0xC6, 0xDB -> pos += 5 + (int) u32(pos + 1);
        case 0xC7 -> pos += 3 + (a[pos + 1] & 0xFF);
        case 0xC8 -> pos += 4 + u16(pos + 1);
        case 0xC9 -> pos += 6 + (int) u32(pos + 1);
        case 0xD4 -> pos += 3;
        case 0xD5 -> pos += 4;
        case 0xD6 -> pos += 6;
        case 0xD7 -> pos += 10;
        case 0xD8 -> pos += 18;
        case 0xDC -> { pending += u16(pos + 1); pos += 3; }
        case 0xDD -> { pending += u32(pos + 1); pos += 5; }
        case 0xDE -> { pending += 2L * u16(pos + 1); pos += 3; }
        case 0xDF -> { pending += 2 * u32(pos + 1); pos += 5; }
        default -> {
          if (b >= 0xCA && b <= 0xD3) pos += 1 + width(b);
          else throw unexpected(b, "a value");
        }
      }
    }
  }

  /** Whether the last {@link #text()} is the ASCII string {@code s}. */
  boolean textIs(String s) {
    if (textLength != s.length()) return false;
    for (int i = 0; i < textLength; i++) {
      if (a[textAt + i] != s.charAt(i)) return false;
    }
    return true;
  }

  /** Payload bytes after the header byte of a number: float32/64, uint8–64, int8–64. */
  private static int width(int b) {
    return switch (b) {
      case 0xCC, 0xD0 -> 1;
      case 0xCD, 0xD1 -> 2;
      case 0xCA, 0xCE, 0xD2 -> 4;
      default -> 8;
    };
  }

  static double unsignedToDouble(long v) {
    return v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2.0;
  }

  private int u16(int i) {
    return ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
  }

  private long u32(int i) {
    return ((long) (a[i] & 0xFF) << 24) | ((a[i + 1] & 0xFF) << 16) | ((a[i + 2] & 0xFF) << 8) | (a[i + 3] & 0xFF);
  }

  private long u64(int i) {
    return (u32(i) << 32) | u32(i + 4);
  }

  private IllegalStateException unexpected(int b, String expected) {
    return new IllegalStateException(String.format("kept span bytes: 0x%02x at %d where %s was read before", b, pos, expected));
  }
}
