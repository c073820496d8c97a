package org.xraybridge.receiver;

import java.nio.ByteBuffer;
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
 * does) and counted, once per string, in {@link #takeRepairs()}: a bad tag value must never cost
 * the span. Not
 * thread-safe: one per decoder, one decoder per thread.
 */
final class StringCache {

  /** Strings longer than this are decoded every time (they rarely repeat: stacks, SQL, URLs with ids). */
  static final int MAX_CACHED_BYTES = 96;

  private static final int SLOTS = 4096; // power of two
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long MIX = 0x9E3779B97F4A7C15L;
  private static final long MIX2 = 0xC2B2AE3D27D4EB4FL;

  /**
   * Per slot, four longs in one place: the length, the first 16 bytes as two zero-padded words, and
   * the hash. Telling a hit of a short string (most tag keys and values) then reads one cache line
   * and follows no pointer; longer strings compare the rest with {@link #tails}.
   */
  private final long[] table = new long[4 * SLOTS];
  /** The bytes after the first 16, for cached strings longer than that. */
  private final byte[][] tails = new byte[SLOTS][];
  private final String[] values = new String[SLOTS];
  /** Hash of the last miss per slot: a string is cached when it misses twice in a row there. */
  private final long[] seen = new long[SLOTS];
  private final CharsetDecoder strict =
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private int repairs;

  /** The string for {@code len} UTF-8 bytes of {@code a} at {@code off}. */
  String get(byte[] a, int off, int len) {
    // Kept small enough for the JIT to inline into the decoders: a hit of a string of at most 16
    // bytes (most tag keys and values) is two word reads, two multiplies and one slot compare.
    if (len == 0) return "";
    if (len > 16) return longer(a, off, len);
    long w0 = Words.head(a, off, len);
    long w1 = len > 8 ? Words.head(a, off + 8, len - 8) : 0;
    long h = (w0 ^ len) * MIX + w1 * MIX2; // two independent multiplies: the slot is known sooner
    int slot = (int) (h >>> 52) & (SLOTS - 1);
    int t = 4 * slot;
    if (table[t + 3] == h && table[t] == len && table[t + 1] == w0 && table[t + 2] == w1) return values[slot];
    return miss(a, off, len, w0, w1, h, (w0 | w1) & HIGH_BITS);
  }

  private String longer(byte[] a, int off, int len) {
    if (len > MAX_CACHED_BYTES) return decode(a, off, len, ascii(a, off, len));
    int end = off + len;
    long w0 = Words.at(a, off);
    long w1 = Words.at(a, off + 8);
    long high = w0 | w1;
    long h = (w0 ^ len) * MIX + w1 * MIX2;
    int i = off + 16;
    for (; i + 8 <= end; i += 8) {
      long w = Words.at(a, i);
      high |= w;
      h = (h ^ w) * MIX;
    }
    if (i < end) { // the last 1–7 bytes: the word ending at the end, less the bytes already hashed
      long w = Words.at(a, end - 8) >>> ((8 - (end - i)) << 3);
      high |= w;
      h = (h ^ w) * MIX;
    }
    int slot = (int) (h >>> 52) & (SLOTS - 1);
    int t = 4 * slot;
    if (table[t + 3] == h && table[t] == len && table[t + 1] == w0 && table[t + 2] == w1
        && sameTail(tails[slot], a, off + 16)) {
      return values[slot];
    }
    return miss(a, off, len, w0, w1, h, high & HIGH_BITS);
  }

  /** Decodes a string the cache does not hold; {@code high} is non-zero when some byte is not ASCII. */
  private String miss(byte[] a, int off, int len, long w0, long w1, long h, long high) {
    int slot = (int) (h >>> 52) & (SLOTS - 1);
    int repaired = repairs;
    String s = decode(a, off, len, high == 0);
    // A repaired string is never cached, so each of its occurrences is counted, whatever this
    // thread decoded before. Others are admitted on the second sighting: one-off values (ids in
    // URLs, trace ids) then cost one String and no key copy, and do not push out repeated keys.
    if (repairs != repaired) return s;
    if (seen[slot] == h) {
      int t = 4 * slot;
      table[t] = len;
      table[t + 1] = w0;
      table[t + 2] = w1;
      table[t + 3] = h;
      tails[slot] = len > 16 ? Arrays.copyOfRange(a, off + 16, off + len) : null;
      values[slot] = s;
    } else {
      seen[slot] = h;
    }
    return s;
  }

  /** Invalid UTF-8 sequences replaced since the last {@link #takeRepairs}, without resetting the count. */
  int repairsSoFar() {
    return repairs;
  }

  /** Forgets the repairs counted after {@link #repairsSoFar} said {@code count}: the span is read again. */
  void rewindRepairs(int count) {
    repairs = count;
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

  /** Whether the {@code tail.length} bytes of {@code a} at {@code off} are {@code tail}. */
  private static boolean sameTail(byte[] tail, byte[] a, int off) {
    int n = tail.length;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      if (Words.at(tail, i) != Words.at(a, off + i)) return false;
    }
    for (; i < n; i++) {
      if (tail[i] != a[off + i]) return false;
    }
    return true;
  }

  private static boolean ascii(byte[] a, int off, int len) {
    int i = off;
    int end = off + len;
    long high = 0;
    for (; i + 8 <= end; i += 8) high |= Words.at(a, i);
    for (; i < end; i++) high |= a[i] & 0x80;
    return (high & HIGH_BITS) == 0;
  }
}
