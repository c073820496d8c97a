package org.xraybridge.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-size concurrent bit set over span sequence numbers {@code [0, capacity)}: one bit a span, so
 * ten minutes at 50,000 spans/s cost under 4 MB per set. Lock-free; {@link #add} tells whether the bit
 * was newly set, which is how the fake Agent tells a duplicate from a first delivery.
 */
final class SeqSet {
  private final AtomicLongArray words;
  private final long capacity;

  SeqSet(long capacity) {
    if (capacity <= 0 || capacity > (1L << 36)) throw new IllegalArgumentException("capacity: " + capacity);
    this.capacity = capacity;
    this.words = new AtomicLongArray((int) ((capacity + 63) >>> 6));
  }

  long capacity() {
    return capacity;
  }

  /** Sets the bit; true if it was clear. Out of range: false (the caller counts it as foreign). */
  boolean add(long seq) {
    if (seq < 0 || seq >= capacity) return false;
    int w = (int) (seq >>> 6);
    long bit = 1L << (seq & 63);
    while (true) {
      long old = words.get(w);
      if ((old & bit) != 0) return false;
      if (words.compareAndSet(w, old, old | bit)) return true;
    }
  }

  /** Sets the bits {@code [from, to)}. */
  void addRange(long from, long to) {
    for (long s = from; s < to; s++) add(s);
  }

  boolean contains(long seq) {
    if (seq < 0 || seq >= capacity) return false;
    return (words.get((int) (seq >>> 6)) & (1L << (seq & 63))) != 0;
  }

  long count() {
    long n = 0;
    for (int i = 0; i < words.length(); i++) n += Long.bitCount(words.get(i));
    return n;
  }

  /** The number of word slots; {@link #word(int)} reads one (64 sequence numbers). */
  int words() {
    return words.length();
  }

  long word(int i) {
    return words.get(i);
  }
}
