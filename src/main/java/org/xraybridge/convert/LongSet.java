package org.xraybridge.convert;

import java.util.Arrays;

/**
 * A small open-addressing set of longs, for span ids seen within one trace: no boxing, one array.
 * Zero is not a valid span id and marks an empty slot. Not thread-safe.
 */
final class LongSet {
  private long[] slots = new long[16];
  private int size;

  /** Adds {@code v} (never 0); false when it was there already. */
  boolean add(long v) {
    if ((size + 1) * 2 > slots.length) grow();
    int mask = slots.length - 1;
    int i = mix(v) & mask;
    while (slots[i] != 0) {
      if (slots[i] == v) return false;
      i = (i + 1) & mask;
    }
    slots[i] = v;
    size++;
    return true;
  }

  boolean contains(long v) {
    int mask = slots.length - 1;
    int i = mix(v) & mask;
    while (slots[i] != 0) {
      if (slots[i] == v) return true;
      i = (i + 1) & mask;
    }
    return false;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    size = 0;
    for (long v : old) {
      if (v != 0) add(v);
    }
  }

  private static int mix(long v) {
    long h = v * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  @Override
  public String toString() {
    return "LongSet" + Arrays.toString(Arrays.stream(slots).filter(x -> x != 0).toArray());
  }
}
