package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.function.LongToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * Why the recorder keys its maps by {@link ExplainRecorder#slot}: {@code HashMap} puts a key in bucket
 * {@code (h ^ h >>> 16) & (n - 1)} and turns a bucket of 8 or more into a tree bin; with {@code
 * Long.hashCode} (the halves folded) ids that differ only in their top byte, or whose halves are equal,
 * share a handful of buckets. Counted for the recorder's 500 traces in its 1,024-bucket table.
 */
class TraceSlotTest {

  static final int KEYS = 500;
  static final int BUCKETS = 1_024;
  static final int TREEIFY_THRESHOLD = 8;

  static int fullestBucket(long[] keys, LongToIntFunction hash) {
    int[] load = new int[BUCKETS];
    int max = 0;
    for (long k : keys) {
      int h = hash.applyAsInt(k);
      max = Math.max(max, ++load[(h ^ (h >>> 16)) & (BUCKETS - 1)]);
    }
    return max;
  }

  static final LongToIntFunction LONG = Long::hashCode;
  static final LongToIntFunction SLOT = k -> ExplainRecorder.slot(k).hashCode();

  /** A load script's counter in the first (most significant) byte of 10 template trace ids. */
  static long[] topByteIds() {
    SplittableRandom r = new SplittableRandom(1);
    long[] templates = new long[10];
    for (int t = 0; t < templates.length; t++) templates[t] = r.nextLong() & 0x00FF_FFFF_FFFF_FFFFL;
    long[] ids = new long[KEYS];
    for (int i = 0; i < KEYS; i++) ids[i] = ((long) (i / templates.length) << 56) | templates[i % templates.length];
    return ids;
  }

  /** One 32-bit value in both halves. */
  static long[] equalHalvesIds() {
    long[] ids = new long[KEYS];
    for (int i = 0; i < KEYS; i++) ids[i] = (0x1000_0000L + i) * 0x1_0000_0001L;
    return ids;
  }

  /** What dd-java-agent and the load bench's generator make: random 63-bit ids. */
  static long[] randomIds() {
    SplittableRandom r = new SplittableRandom(2);
    long[] ids = new long[KEYS];
    for (int i = 0; i < KEYS; i++) ids[i] = r.nextLong() & Long.MAX_VALUE;
    return ids;
  }

  @Test
  void longHashCode_idsDifferingInTheTopByteOrWithEqualHalves_makeTreeBins() {
    assertThat(fullestBucket(topByteIds(), LONG)).isGreaterThanOrEqualTo(TREEIFY_THRESHOLD);
    assertThat(fullestBucket(equalHalvesIds(), LONG)).isEqualTo(KEYS);
    assertThat(fullestBucket(randomIds(), LONG)).isLessThan(TREEIFY_THRESHOLD);
  }

  @Test
  void slot_spreadsEveryFamily_noTreeBin() {
    for (long[] ids : new long[][] {topByteIds(), equalHalvesIds(), randomIds()}) {
      assertThat(fullestBucket(ids, SLOT)).isLessThan(TREEIFY_THRESHOLD);
    }
  }

  @Test
  void slot_isOneToOne() {
    Set<Long> slots = new HashSet<>();
    for (long[] ids : new long[][] {topByteIds(), equalHalvesIds(), randomIds()}) {
      for (long id : ids) slots.add(ExplainRecorder.slot(id));
    }
    assertThat(slots).hasSize(3 * KEYS);
  }
}
