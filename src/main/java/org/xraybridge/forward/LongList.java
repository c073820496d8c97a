package org.xraybridge.forward;

import java.util.Arrays;

/** A growable list of primitive longs (span ids of a payload being assembled). Not thread-safe. */
final class LongList {
  private long[] values = new long[64];
  private int size;

  void add(long v) {
    if (size == values.length) values = Arrays.copyOf(values, size * 2);
    values[size++] = v;
  }

  int size() {
    return size;
  }

  long[] toArray() {
    return Arrays.copyOf(values, size);
  }

  void clear() {
    size = 0;
    if (values.length > 65536) values = new long[64];
  }
}
