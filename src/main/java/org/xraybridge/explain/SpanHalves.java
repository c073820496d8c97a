package org.xraybridge.explain;

import org.xraybridge.model.Half;

/**
 * Which X-Ray half each X-Ray span id of one trace came from: a small open-addressing table of
 * primitive longs (no boxing on the merge stage's hot path). Native spans are not entered: a span
 * of a flushed chunk that is not here came from the chunk's own half (a merged chunk's half is
 * {@code NATIVE} whenever it holds native spans, see {@code MergeStage.combine}).
 *
 * <p>Span id 0 marks a free slot; the receiver drops spans with id 0 as invalid, so no real span
 * has it. Not thread-safe: used under the recorder's lock.
 */
final class SpanHalves {

  private static final Half[] HALVES = Half.values();

  private long[] ids = new long[8];
  private byte[] halves = new byte[8];
  private int size;

  /** Remembers {@code half} for {@code spanId}; a later put for the same id replaces it. */
  void put(long spanId, Half half) {
    if (spanId == 0) return;
    if ((size + 1) * 2 > ids.length) grow();
    int i = slot(ids, spanId);
    if (ids[i] == 0) {
      ids[i] = spanId;
      size++;
    }
    halves[i] = (byte) half.ordinal();
  }

  /** The half remembered for {@code spanId}, or {@code otherwise}. */
  Half get(long spanId, Half otherwise) {
    if (spanId == 0 || size == 0) return otherwise;
    int i = slot(ids, spanId);
    return ids[i] == 0 ? otherwise : HALVES[halves[i]];
  }

  int size() {
    return size;
  }

  /** Heap bytes of the two arrays, for the recorder's byte bound. */
  long bytes() {
    return 9L * ids.length + 48;
  }

  private static int slot(long[] table, long id) {
    int mask = table.length - 1;
    // spread the bits: span ids are random, but tests and some tracers use small sequential ids
    int i = (int) (id * 0x9E3779B97F4A7C15L >>> 40) & mask;
    while (table[i] != 0 && table[i] != id) i = (i + 1) & mask;
    return i;
  }

  private void grow() {
    long[] oldIds = ids;
    byte[] oldHalves = halves;
    ids = new long[oldIds.length * 2];
    halves = new byte[oldIds.length * 2];
    for (int j = 0; j < oldIds.length; j++) {
      if (oldIds[j] == 0) continue;
      int i = slot(ids, oldIds[j]);
      ids[i] = oldIds[j];
      halves[i] = oldHalves[j];
    }
  }
}
