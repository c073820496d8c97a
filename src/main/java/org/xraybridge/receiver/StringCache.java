package org.xraybridge.receiver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * UTF-8 bytes → {@link String}, with a small direct-mapped cache of recent short strings.
 *
 * <p>Why a cache: a tracer payload repeats the same few hundred strings (tag keys, service, env,
 * version, runtime id, resource names) in every span. Returning the one {@code String} already made
 * for the same bytes skips the decode and the allocation, which is most of what a decoder allocates
 * besides the spans themselves, and it makes the decoded spans share their keys in memory. The cache
 * is keyed by the bytes themselves (hash, then an exact compare), so a collision only costs a miss,
 * and a string is admitted the second time it is seen, so values that never repeat do not churn it.
 *
 * <p>Invalid UTF-8 is replaced (U+FFFD per malformed sequence, as {@code new String(bytes, UTF_8)}
 * does) and counted in {@link #takeRepairs()}: a bad tag value must never cost the span. Not
 * thread-safe: one per decoder, one decoder per thread.
 */
final class StringCache {

  /** Strings longer than this are decoded every time (they rarely repeat: stacks, SQL, URLs with ids). */
  static final int MAX_CACHED_BYTES = 96;

  private static final int SLOTS = 4096; // power of two
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final byte[][] keys = new byte[SLOTS][];
  /** Hash of the last miss per slot: a string is cached when it misses twice in a row there. */
  private final long[] seen = new long[SLOTS];
  private final String[] values = new String[SLOTS];
  private final CharsetDecoder strict =
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private int repairs;

  /** The string for {@code len} UTF-8 bytes of {@code a} at {@code off}. */
  String get(byte[] a, int off, int len) {
    if (len == 0) return "";
    if (len > MAX_CACHED_BYTES) return decode(a, off, len, ascii(a, off, len));
    // Hash eight bytes at a time (a byte-at-a-time hash is a serial chain of multiplies and was the
    // decoder's hottest loop); the same pass tells whether every byte is ASCII.
    long h = len;
    long high = 0;
    int i = off;
    int end = off + len;
    for (; i + 8 <= end; i += 8) {
      long w = (long) LONGS.get(a, i);
      high |= w;
      h = (h ^ w) * 0x9E3779B97F4A7C15L;
    }
    long tail = 0;
    int negative = 0;
    for (; i < end; i++) {
      byte b = a[i];
      negative |= b;
      tail = (tail << 8) | (b & 0xFF);
    }
    h = (h ^ tail) * 0x9E3779B97F4A7C15L;
    int slot = (int) (h >>> 40) & (SLOTS - 1);
    byte[] k = keys[slot];
    if (k != null && k.length == len && Arrays.equals(k, 0, len, a, off, end)) return values[slot];
    String s = decode(a, off, len, (high & 0x8080808080808080L) == 0 && negative >= 0);
    // Admit on the second sighting only: one-off values (ids in URLs, trace ids) then cost one String
    // instead of a String and a key copy, and do not push out the keys every span repeats.
    if (seen[slot] == h) {
      keys[slot] = Arrays.copyOfRange(a, off, end);
      values[slot] = s;
    } else {
      seen[slot] = h;
    }
    return s;
  }

  /** Invalid UTF-8 sequences replaced since the last call; resets the count. */
  int takeRepairs() {
    int r = repairs;
    repairs = 0;
    return r;
  }

  private String decode(byte[] a, int off, int len, boolean ascii) {
    // ASCII is the common case and ISO-8859-1 is its cheapest exact decoding (a compact-string copy).
    if (ascii) return new String(a, off, len, StandardCharsets.ISO_8859_1);
    try {
      CharBuffer chars = strict.reset().decode(ByteBuffer.wrap(a, off, len));
      return chars.toString();
    } catch (CharacterCodingException e) {
      repairs++;
      return new String(a, off, len, StandardCharsets.UTF_8);
    }
  }

  private static boolean ascii(byte[] a, int off, int len) {
    for (int i = off, end = off + len; i < end; i++) {
      if (a[i] < 0) return false;
    }
    return true;
  }
}
