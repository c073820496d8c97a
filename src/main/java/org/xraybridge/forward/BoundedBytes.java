package org.xraybridge.forward;

import java.util.Arrays;

/**
 * A reusable byte array that grows to a hard bound: the storage of the payload writers
 * ({@code agent.MsgpackBuffer}, {@code intake.ProtoBuffer}). Subclasses write into {@link #buf} at
 * {@link #pos} after {@link #ensureRoom}. Not thread-safe.
 */
public abstract class BoundedBytes {
  private final int initialCapacity;
  private final int maxCapacity;
  /** A reset keeps an array up to this size and lets a larger one go, so idle buffers stay small. */
  private final int retainBytes;
  protected byte[] buf;
  protected int pos;

  protected BoundedBytes(int initialCapacity, int maxCapacity, int retainBytes) {
    if (initialCapacity <= 0 || maxCapacity < initialCapacity) {
      throw new IllegalArgumentException(
          "capacities: expected 0 < initial <= max, got " + initialCapacity + " and " + maxCapacity);
    }
    this.initialCapacity = initialCapacity;
    this.maxCapacity = maxCapacity;
    this.retainBytes = Math.max(initialCapacity, retainBytes);
    this.buf = new byte[initialCapacity];
  }

  /** Bytes written since the last {@link #reset()}. */
  public final int size() {
    return pos;
  }

  /** Forgets what was written; keeps the array unless it grew past the retain size. */
  public final void reset() {
    pos = 0;
    if (buf.length > retainBytes) buf = new byte[initialCapacity];
  }

  /** Makes room for {@code n} more bytes; past the bound, an {@code Oversized write} error. */
  public final void ensureRoom(int n) {
    long needed = (long) pos + n;
    if (needed <= buf.length) return;
    if (needed > maxCapacity) {
      throw new IllegalStateException("Oversized write: " + needed + " bytes needed, buffer bound is " + maxCapacity);
    }
    buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min((long) buf.length * 2, maxCapacity)));
  }
}
