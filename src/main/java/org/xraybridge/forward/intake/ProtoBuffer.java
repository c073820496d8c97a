package org.xraybridge.forward.intake;

import com.google.protobuf.CodedOutputStream;
import java.util.Arrays;

/**
 * A reusable, bounded byte array that protobuf messages are written into once their size is known.
 * Not thread-safe.
 */
public final class ProtoBuffer {
  private final int initialCapacity;
  private final int maxCapacity;
  /** A reset keeps an array up to this size and lets a larger one go, so idle buffers stay small. */
  private final int retainBytes;
  private byte[] buf;
  private int pos;

  public ProtoBuffer(int initialCapacity, int maxCapacity) {
    this(initialCapacity, maxCapacity, initialCapacity);
  }

  /** A buffer whose {@link #reset()} keeps an array of up to {@code retainBytes}. */
  public ProtoBuffer(int initialCapacity, int maxCapacity, int retainBytes) {
    if (initialCapacity <= 0 || maxCapacity < initialCapacity) {
      throw new IllegalArgumentException(
          "capacities: expected 0 < initial <= max, got " + initialCapacity + " and " + maxCapacity);
    }
    this.initialCapacity = initialCapacity;
    this.maxCapacity = maxCapacity;
    this.retainBytes = Math.max(initialCapacity, retainBytes);
    this.buf = new byte[initialCapacity];
  }

  public int size() {
    return pos;
  }

  public void reset() {
    pos = 0;
    if (buf.length > retainBytes) buf = new byte[initialCapacity];
  }

  /**
   * A coded stream over the next {@code n} bytes; the caller writes exactly {@code n} bytes and
   * then calls {@link #commit}.
   */
  public CodedOutputStream reserve(int n) {
    long needed = (long) pos + n;
    if (needed > buf.length) {
      if (needed > maxCapacity) {
        throw new IllegalStateException(
            "Oversized write: " + needed + " bytes needed, buffer bound is " + maxCapacity);
      }
      buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min((long) buf.length * 2, maxCapacity)));
    }
    return CodedOutputStream.newInstance(buf, pos, n);
  }

  public void commit(CodedOutputStream out, int n) {
    out.checkNoSpaceLeft();
    pos += n;
  }

  /** Writes everything written so far, raw, into {@code out}. */
  public void copyTo(CodedOutputStream out) throws java.io.IOException {
    out.writeRawBytes(buf, 0, pos);
  }
}
