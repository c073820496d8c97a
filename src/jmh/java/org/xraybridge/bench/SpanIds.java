package org.xraybridge.bench;

/**
 * Span ids the bench can account for without remembering them: the id of the span with sequence
 * number {@code seq} is a bijective mix of {@code seq} (SplitMix64's finalizer), so ids look random
 * to the bridge (hash maps, caches and the trace index see realistic keys) while the fake Agent turns
 * every id it receives back into its sequence number with {@link #seq(long)} and ticks it off in a
 * bit set. Sequence 0 is never used: its id would be 0, which the Agent's wire treats as "none".
 */
final class SpanIds {
  private static final long M1 = 0xbf58476d1ce4e5b9L;
  private static final long M2 = 0x94d049bb133111ebL;
  private static final long M1_INV = inverse(M1);
  private static final long M2_INV = inverse(M2);

  private SpanIds() {}

  /** The span id of sequence number {@code seq}; never 0 for {@code seq != 0}. */
  static long id(long seq) {
    long z = seq;
    z = (z ^ (z >>> 30)) * M1;
    z = (z ^ (z >>> 27)) * M2;
    return z ^ (z >>> 31);
  }

  /** The sequence number whose id is {@code id}: {@code seq(id(s)) == s} for every s. */
  static long seq(long id) {
    long z = unshift(id, 31);
    z *= M2_INV;
    z = unshift(z, 27);
    z *= M1_INV;
    return unshift(z, 30);
  }

  /** A 63-bit trace id for the trace whose first span has sequence {@code seq}; never 0. */
  static long traceId(long seq) {
    long t = id(seq ^ 0x5bd1e9955bd1e995L) & Long.MAX_VALUE;
    return t == 0 ? 1 : t;
  }

  /** Inverts {@code y = x ^ (x >>> s)}. */
  private static long unshift(long y, int s) {
    long x = y;
    for (int i = 0; i < 64 / s + 1; i++) x = y ^ (x >>> s);
    return x;
  }

  /** Multiplicative inverse of an odd number modulo 2^64 (Newton's iteration). */
  private static long inverse(long a) {
    long x = a;
    for (int i = 0; i < 6; i++) x *= 2 - a * x;
    return x;
  }
}
