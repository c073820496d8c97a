package org.xraybridge.receiver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Bytes of a body read eight at a time as little-endian words, so short keys and strings are
 * compared and hashed with a few long operations instead of byte loops.
 */
final class Words {

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Words() {}

  /** The 8 bytes at {@code off} (which must leave 8 bytes in the array). */
  static long at(byte[] a, int off) {
    return (long) LONGS.get(a, off);
  }

  /** The first {@code min(len, 8)} bytes at {@code off}, zero-padded; none when {@code len ≤ 0}. */
  static long head(byte[] a, int off, int len) {
    if (off + 8 <= a.length) return at(a, off) & mask(len); // the bytes past the range are masked off
    long w = 0;
    for (int i = Math.min(len, 8) - 1; i >= 0; i--) w = (w << 8) | (a[off + i] & 0xFF);
    return w;
  }

  /** The low {@code n} bytes of a word: all for n ≥ 8, none for n ≤ 0. */
  static long mask(int n) {
    return n >= 8 ? -1L : n <= 0 ? 0 : (1L << (n << 3)) - 1;
  }

  /** {@code s} (ASCII, up to 8 characters) as {@link #head} reads it. */
  static long of(String s) {
    long w = 0;
    for (int i = Math.min(s.length(), 8) - 1; i >= 0; i--) w = (w << 8) | s.charAt(i);
    return w;
  }
}
