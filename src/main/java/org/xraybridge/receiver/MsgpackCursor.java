package org.xraybridge.receiver;

import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessageNeverUsedFormatException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageTypeException;

/**
 * msgpack framing read straight off a byte array: headers, numbers, string ranges and skips.
 *
 * <p>Why not msgpack-core's {@code MessageUnpacker}: the decoders read every value of a payload, and
 * per value the unpacker goes through a buffer abstraction, an enum lookup and a bounds protocol made
 * for streams; its {@code skipValue()} alone was half the decode time. Here a value is a byte test
 * and an index move.
 *
 * <p>Errors are msgpack-core's, at the same positions, so the decoders' accounting and 400 texts do
 * not depend on which reader found them: reading past the end throws {@link
 * MessageInsufficientBufferException}; a 32-bit length of 2^31 or more throws {@link
 * MessageSizeException} once its four bytes are read; the reserved byte {@code 0xc1} throws {@link
 * MessageNeverUsedFormatException} (peeking reports it before the byte, skipping after it). {@link
 * #skipValue()} keeps msgpack-core's pending-value count as an {@code int}, wrap-around included,
 * so a lying map32 length ends a skip exactly where msgpack-core's would.
 *
 * <p>Not thread-safe: one per decoder.
 */
final class MsgpackCursor {

  private byte[] buf = new byte[0];
  private int pos;
  private int limit;

  /** Reads {@code length} bytes of {@code data} from 0. */
  void reset(byte[] data, int length) {
    buf = data;
    pos = 0;
    limit = length;
  }

  /** Lets go of the array. */
  void clear() {
    buf = new byte[0];
    pos = 0;
    limit = 0;
  }

  /** Goes back to {@code p}, a position this cursor has already been at. */
  void seek(int p) {
    pos = p;
  }

  /** Bytes consumed so far. */
  int position() {
    return pos;
  }

  /** The header byte of the next value (0–255), not consumed. */
  int peek() {
    if (pos >= limit) throw new MessageInsufficientBufferException();
    return buf[pos] & 0xFF;
  }

  MessageFormat nextFormat() {
    return MessageFormat.valueOf((byte) peek());
  }

  /** Consumes a nil and says so, or consumes nothing. */
  boolean tryNil() {
    if (peek() != 0xC0) return false;
    pos++;
    return true;
  }

  int arrayHeader() {
    int b = next();
    if ((b & 0xF0) == 0x90) return b & 0x0F;
    if (b == 0xDC) return u16();
    if (b == 0xDD) return length32();
    pos--;
    throw new MessageTypeException("expected an array header");
  }

  int mapHeader() {
    int b = next();
    if ((b & 0xF0) == 0x80) return b & 0x0F;
    if (b == 0xDE) return u16();
    if (b == 0xDF) return length32();
    pos--;
    throw new MessageTypeException("expected a map header");
  }

  /**
   * If the next value is a str or bin, consumes its header and returns its payload length (the
   * payload starts at {@link #position()} and is not consumed); else returns -1, nothing consumed.
   */
  int stringHeader() {
    int b = peek();
    if ((b & 0xE0) == 0xA0) {
      pos++;
      return b & 0x1F;
    }
    switch (b) {
      case 0xD9, 0xC4 -> {
        pos++;
        return u8();
      }
      case 0xDA, 0xC5 -> {
        pos++;
        return u16();
      }
      case 0xDB, 0xC6 -> {
        pos++;
        return length32();
      }
      default -> {
        return -1;
      }
    }
  }

  /** Moves past {@code n} payload bytes. */
  void skipBytes(int n) {
    if (limit - pos < n) throw new MessageInsufficientBufferException();
    pos += n;
  }

  static boolean isInteger(int header) {
    return header <= 0x7F || header >= 0xE0 || (header >= 0xCC && header <= 0xD3);
  }

  static boolean isFloat(int header) {
    return header == 0xCA || header == 0xCB;
  }

  /** The next value, which {@link #isInteger} says is an integer, as its raw 64 bits (uint64 too). */
  long readInteger() {
    int b = next();
    if (b <= 0x7F) return b;
    if (b >= 0xE0) return (byte) b;
    return switch (b) {
      case 0xCC -> u8();
      case 0xCD -> u16();
      case 0xCE -> u32() & 0xFFFF_FFFFL;
      case 0xCF, 0xD3 -> u64();
      case 0xD0 -> (byte) u8();
      case 0xD1 -> (short) u16();
      case 0xD2 -> u32();
      default -> {
        pos--;
        throw new MessageTypeException("expected an integer");
      }
    };
  }

  /** The next value, which {@link #isFloat} says is a float, widened to a double. */
  double readFloat() {
    int b = next();
    if (b == 0xCA) return Float.intBitsToFloat(u32());
    if (b == 0xCB) return Double.longBitsToDouble(u64());
    pos--;
    throw new MessageTypeException("expected a float");
  }

  /** Moves past the next value, containers with everything in them. */
  void skipValue() {
    int pending = 1; // an int that may wrap, as msgpack-core's (see the class comment)
    while (pending > 0) {
      int b = next();
      if (b <= 0x7F || b >= 0xE0) {
        // fixint: nothing follows
      } else if (b <= 0x8F) {
        pending += (b & 0x0F) * 2;
      } else if (b <= 0x9F) {
        pending += b & 0x0F;
      } else if (b <= 0xBF) {
        skipBytes(b & 0x1F);
      } else {
        pending += skipTyped(b);
      }
      pending--;
    }
  }

  /** Skips what follows a header byte 0xc0–0xdf; returns how many values it announces. */
  private int skipTyped(int b) {
    switch (b) {
      case 0xC0, 0xC2, 0xC3 -> {}
      case 0xC1 -> throw new MessageNeverUsedFormatException("Encountered 0xC1 \"NEVER_USED\" byte");
      case 0xC4, 0xD9 -> skipBytes(u8());
      case 0xC5, 0xDA -> skipBytes(u16());
      case 0xC6, 0xDB -> skipBytes(length32());
      case 0xC7 -> skipBytes(u8() + 1);
      case 0xC8 -> skipBytes(u16() + 1);
      case 0xC9 -> {
        int n = length32();
        skipBytes(1);
        skipBytes(n);
      }
      case 0xCC, 0xD0 -> skipBytes(1);
      case 0xCD, 0xD1, 0xD4 -> skipBytes(2);
      case 0xD5 -> skipBytes(3);
      case 0xCA, 0xCE, 0xD2 -> skipBytes(4);
      case 0xD6 -> skipBytes(5);
      case 0xCB, 0xCF, 0xD3 -> skipBytes(8);
      case 0xD7 -> skipBytes(9);
      case 0xD8 -> skipBytes(17);
      case 0xDC -> {
        return u16();
      }
      case 0xDD -> {
        return length32();
      }
      case 0xDE -> {
        return u16() * 2;
      }
      case 0xDF -> {
        return length32() * 2;
      }
      default -> throw new IllegalStateException("not a typed header: " + b);
    }
    return 0;
  }

  private int next() {
    if (pos >= limit) throw new MessageInsufficientBufferException();
    return buf[pos++] & 0xFF;
  }

  private int u8() {
    return next();
  }

  private int u16() {
    if (limit - pos < 2) throw new MessageInsufficientBufferException();
    int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
    pos += 2;
    return v;
  }

  private int u32() {
    if (limit - pos < 4) throw new MessageInsufficientBufferException();
    byte[] a = buf;
    int p = pos;
    int v = ((a[p] & 0xFF) << 24) | ((a[p + 1] & 0xFF) << 16) | ((a[p + 2] & 0xFF) << 8) | (a[p + 3] & 0xFF);
    pos = p + 4;
    return v;
  }

  private long u64() {
    if (limit - pos < 8) throw new MessageInsufficientBufferException();
    long v = MsgpackReader.bigEndianLong(buf, pos);
    pos += 8;
    return v;
  }

  /** A 32-bit length; 2^31 and above do not fit an int, which msgpack-core reports as a size error. */
  private int length32() {
    int n = u32();
    if (n < 0) throw new MessageSizeException(n & 0xFFFF_FFFFL);
    return n;
  }
}
