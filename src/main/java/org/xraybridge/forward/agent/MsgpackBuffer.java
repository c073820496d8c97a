package org.xraybridge.forward.agent;

import org.xraybridge.forward.BoundedBytes;

import java.nio.charset.StandardCharsets;
import org.xraybridge.model.Utf8;

/**
 * A msgpack writer over one reusable byte array, for writers that size their output first.
 *
 * <p>Callers compute the exact size of what they are about to write with the static {@code sizeOf…}
 * methods, call {@link #ensureRoom(int)} once, then write; the write methods do no bounds
 * bookkeeping of their own. The array grows (doubling) up to {@code maxCapacity} and never beyond:
 * a writer that needs more has a bug in its sizing, which {@link #ensureRoom} reports.
 *
 * <p>Encodings are the minimal msgpack forms, as msgpack-core's {@code MessagePacker} writes them
 * (fixstr/str8/str16/str32, positive/negative fixint …), so a size computed here is the size
 * msgpack-core would write. Strings are UTF-8-encoded in place, with no temporary byte arrays; an
 * unpaired surrogate becomes {@code '?'} as {@link String#getBytes} would make it.
 *
 * <p>Not thread-safe: one per writer thread (or under the writer's lock).
 */
public final class MsgpackBuffer extends BoundedBytes {

  public MsgpackBuffer(int initialCapacity, int maxCapacity) {
    this(initialCapacity, maxCapacity, initialCapacity);
  }

  /** A buffer whose {@link #reset()} keeps an array of up to {@code retainBytes}. */
  public MsgpackBuffer(int initialCapacity, int maxCapacity, int retainBytes) {
    super(initialCapacity, maxCapacity, retainBytes);
  }

  /** A new array: {@code prefix} followed by everything written. */
  public byte[] toByteArray(byte[] prefix, int prefixLength) {
    byte[] out = new byte[prefixLength + pos];
    System.arraycopy(prefix, 0, out, 0, prefixLength);
    System.arraycopy(buf, 0, out, prefixLength, pos);
    return out;
  }

  // ---- sizes ----------------------------------------------------------------------------------

  public static int sizeOfArrayHeader(int n) {
    return n < 16 ? 1 : n < 65536 ? 3 : 5;
  }

  public static int sizeOfMapHeader(int n) {
    return n < 16 ? 1 : n < 65536 ? 3 : 5;
  }

  /** Size of a string whose UTF-8 form has {@code utf8Length} bytes, header included. */
  public static int sizeOfString(int utf8Length) {
    return utf8Length + (utf8Length < 32 ? 1 : utf8Length < 256 ? 2 : utf8Length < 65536 ? 3 : 5);
  }

  public static int sizeOfString(String s) {
    return sizeOfString(utf8Length(s));
  }

  public static int sizeOfBinary(int length) {
    return length + (length < 256 ? 2 : length < 65536 ? 3 : 5);
  }

  /** Size of {@code v} read as an unsigned 64-bit integer (ids). */
  public static int sizeOfUnsigned(long v) {
    if (v < 0) return 9;
    return sizeOfNonNegative(v);
  }

  /** Size of {@code v} as a signed integer. */
  public static int sizeOfSigned(long v) {
    if (v >= 0) return sizeOfNonNegative(v);
    if (v >= -32) return 1;
    if (v >= Byte.MIN_VALUE) return 2;
    if (v >= Short.MIN_VALUE) return 3;
    if (v >= Integer.MIN_VALUE) return 5;
    return 9;
  }

  private static int sizeOfNonNegative(long v) {
    if (v < 128) return 1;
    if (v < 256) return 2;
    if (v < 65536) return 3;
    if (v < 0x1_0000_0000L) return 5;
    return 9;
  }

  public static final int SIZE_OF_DOUBLE = 9;

  /** Bytes of {@code s} in UTF-8, an unpaired surrogate counting as one ({@code '?'}). */
  public static int utf8Length(String s) {
    return Utf8.length(s);
  }

  /** The header of an array of {@code n} elements, alone. */
  public static byte[] arrayHeader(int n) {
    MsgpackBuffer b = new MsgpackBuffer(5, 5);
    b.writeArrayHeader(n);
    return b.toByteArray(new byte[0], 0);
  }

  /** A precomputed map key or constant: the msgpack string, header included. */
  public static byte[] constant(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    MsgpackBuffer b = new MsgpackBuffer(sizeOfString(utf8.length), sizeOfString(utf8.length));
    b.writeString(s, utf8.length);
    return b.toByteArray(new byte[0], 0);
  }

  // ---- writes (room ensured by the caller) ----------------------------------------------------

  public void writeRaw(byte[] bytes) {
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
  }

  /** {@code length} bytes of {@code bytes} at {@code offset}, as they are. */
  public void writeRaw(byte[] bytes, int offset, int length) {
    System.arraycopy(bytes, offset, buf, pos, length);
    pos += length;
  }

  public void writeArrayHeader(int n) {
    if (n < 16) {
      buf[pos++] = (byte) (0x90 | n);
    } else if (n < 65536) {
      buf[pos++] = (byte) 0xdc;
      writeShort(n);
    } else {
      buf[pos++] = (byte) 0xdd;
      writeInt(n);
    }
  }

  public void writeMapHeader(int n) {
    if (n < 16) {
      buf[pos++] = (byte) (0x80 | n);
    } else if (n < 65536) {
      buf[pos++] = (byte) 0xde;
      writeShort(n);
    } else {
      buf[pos++] = (byte) 0xdf;
      writeInt(n);
    }
  }

  /**
   * Writes {@code s} in one pass when it is ASCII (the common case): the header is sized for {@code
   * s.length()} bytes and the chars copied behind it. At the first other char it measures the UTF-8
   * length, moves the copied prefix if the header must be wider, and encodes the rest.
   */
  public void writeString(String s) {
    int n = s.length();
    int header = stringHeaderSize(n);
    byte[] b = buf;
    int p = pos + header;
    int i = 0;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) break;
      b[p++] = (byte) c;
    }
    if (i == n) {
      writeStringHeader(n);
      pos = p;
      return;
    }
    int utf8 = utf8Length(s);
    int wider = stringHeaderSize(utf8);
    if (wider != header) System.arraycopy(b, pos + header, b, pos + wider, i);
    writeStringHeader(utf8);
    pos += i;
    writeUtf8(s, i);
  }

  private static int stringHeaderSize(int utf8Length) {
    return utf8Length < 32 ? 1 : utf8Length < 256 ? 2 : utf8Length < 65536 ? 3 : 5;
  }

  /** Writes {@code s}, whose UTF-8 length the caller already knows. */
  public void writeString(String s, int utf8Length) {
    writeStringHeader(utf8Length);
    writeUtf8(s, 0);
  }

  private void writeStringHeader(int utf8Length) {
    if (utf8Length < 32) {
      buf[pos++] = (byte) (0xa0 | utf8Length);
    } else if (utf8Length < 256) {
      buf[pos++] = (byte) 0xd9;
      buf[pos++] = (byte) utf8Length;
    } else if (utf8Length < 65536) {
      buf[pos++] = (byte) 0xda;
      writeShort(utf8Length);
    } else {
      buf[pos++] = (byte) 0xdb;
      writeInt(utf8Length);
    }
  }

  public void writeBinary(byte[] bytes) {
    int n = bytes.length;
    if (n < 256) {
      buf[pos++] = (byte) 0xc4;
      buf[pos++] = (byte) n;
    } else if (n < 65536) {
      buf[pos++] = (byte) 0xc5;
      writeShort(n);
    } else {
      buf[pos++] = (byte) 0xc6;
      writeInt(n);
    }
    writeRaw(bytes);
  }

  /** Writes {@code v} as an unsigned 64-bit integer: negative longs are ids with the top bit set. */
  public void writeUnsigned(long v) {
    if (v < 0) {
      buf[pos++] = (byte) 0xcf;
      writeLong(v);
    } else {
      writeNonNegative(v);
    }
  }

  public void writeSigned(long v) {
    if (v >= 0) {
      writeNonNegative(v);
    } else if (v >= -32) {
      buf[pos++] = (byte) v; // negative fixint
    } else if (v >= Byte.MIN_VALUE) {
      buf[pos++] = (byte) 0xd0;
      buf[pos++] = (byte) v;
    } else if (v >= Short.MIN_VALUE) {
      buf[pos++] = (byte) 0xd1;
      writeShort((int) v);
    } else if (v >= Integer.MIN_VALUE) {
      buf[pos++] = (byte) 0xd2;
      writeInt((int) v);
    } else {
      buf[pos++] = (byte) 0xd3;
      writeLong(v);
    }
  }

  public void writeDouble(double v) {
    buf[pos++] = (byte) 0xcb;
    writeLong(Double.doubleToRawLongBits(v));
  }

  private void writeNonNegative(long v) {
    if (v < 128) {
      buf[pos++] = (byte) v;
    } else if (v < 256) {
      buf[pos++] = (byte) 0xcc;
      buf[pos++] = (byte) v;
    } else if (v < 65536) {
      buf[pos++] = (byte) 0xcd;
      writeShort((int) v);
    } else if (v < 0x1_0000_0000L) {
      buf[pos++] = (byte) 0xce;
      writeInt((int) v);
    } else {
      buf[pos++] = (byte) 0xcf;
      writeLong(v);
    }
  }

  private void writeShort(int v) {
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  private void writeInt(int v) {
    buf[pos++] = (byte) (v >>> 24);
    buf[pos++] = (byte) (v >>> 16);
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  private void writeLong(long v) {
    writeInt((int) (v >>> 32));
    writeInt((int) v);
  }

  /** Encodes {@code s} from char {@code from} on at the current position. */
  private void writeUtf8(String s, int from) {
    byte[] b = buf;
    int p = pos;
    int n = s.length();
    for (int i = from; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b[p++] = (byte) c;
      } else if (c < 0x800) {
        b[p++] = (byte) (0xc0 | (c >> 6));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[p++] = (byte) (0xf0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        b[p++] = (byte) '?';
      } else {
        b[p++] = (byte) (0xe0 | (c >> 12));
        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    pos = p;
  }
}
