package org.xraybridge.forward.intake;

import org.xraybridge.forward.BoundedBytes;

import com.google.protobuf.CodedOutputStream;

/**
 * A reusable, bounded byte array that protobuf messages are written into once their size is known.
 * Not thread-safe.
 */
public final class ProtoBuffer extends BoundedBytes {

  public ProtoBuffer(int initialCapacity, int maxCapacity) {
    this(initialCapacity, maxCapacity, initialCapacity);
  }

  /** A buffer whose {@link #reset()} keeps an array of up to {@code retainBytes}. */
  public ProtoBuffer(int initialCapacity, int maxCapacity, int retainBytes) {
    super(initialCapacity, maxCapacity, retainBytes);
  }

  /**
   * A coded stream over the next {@code n} bytes; the caller writes exactly {@code n} bytes and
   * then calls {@link #commit}.
   */
  public CodedOutputStream reserve(int n) {
    ensureRoom(n);
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
