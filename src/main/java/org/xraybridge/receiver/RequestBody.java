package org.xraybridge.receiver;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * One request body being read into a heap array, within two bounds: the body limit (413) and the
 * {@link BodyBudget} of buffered bytes (overload). A body with a {@code Content-Length} of up to 1 MiB
 * is reserved and allocated once, before its first byte is read; a larger or chunked one grows by
 * doubling as its bytes arrive (up to its declared length), reserving each growth, so a client that
 * declares a large body and sends it slowly holds only about what it sent. The bytes are copied out
 * of Netty's buffers as they arrive, so no pooled buffer outlives the read, and the decoders get one
 * contiguous array.
 *
 * <p>{@link #release()} gives the reservation back; it must be called exactly once when the request
 * ends, whatever happened. Appends happen on one event loop; {@code release} may run elsewhere.
 */
final class RequestBody {

  private static final int FIRST_CHUNKED_CAPACITY = 8 * 1024;
  /** Declared lengths up to this are allocated at once; most trace payloads are far smaller. */
  static final int UPFRONT_MAX_BYTES = 1 << 20;

  private final long maxBytes;
  private final BodyBudget budget;
  private final InetAddress address;
  /** The declared length, -1 when chunked: growth stops there. */
  private long declared = -1;
  private byte[] bytes;
  private int length;
  private long reserved;

  private RequestBody(long maxBytes, BodyBudget budget, InetAddress address) {
    this.maxBytes = maxBytes;
    this.budget = budget;
    this.address = address;
  }

  /**
   * A body for a request from {@code address} that declared {@code contentLength} ({@code -1} when
   * chunked; at most {@code maxBytes}), or null when the budget cannot hold its first part now.
   */
  static RequestBody reserve(long contentLength, long maxBytes, BodyBudget budget, InetAddress address) {
    RequestBody b = new RequestBody(maxBytes, budget, address);
    int capacity = contentLength >= 0 ? (int) Math.min(contentLength, UPFRONT_MAX_BYTES) : 0;
    b.declared = contentLength;
    if (!b.take(capacity)) return null;
    b.bytes = new byte[capacity];
    return b;
  }

  /** Copies {@code buf}'s readable bytes. */
  void append(ByteBuf buf) {
    int n = buf.readableBytes();
    long need = (long) length + n;
    if (need > maxBytes) throw new Oversized(need);
    if (need > bytes.length) grow((int) need);
    buf.getBytes(buf.readerIndex(), bytes, length, n);
    length += n;
  }

  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  void release() {
    long r = reserved;
    reserved = 0;
    budget.give(address, r);
    bytes = null;
  }

  private void grow(int need) {
    long capacity = Math.max(need, Math.max(FIRST_CHUNKED_CAPACITY, 2L * bytes.length));
    capacity = Math.min(capacity, declared >= 0 ? Math.max(declared, need) : maxBytes);
    if (!take(capacity - bytes.length)) throw new Overloaded();
    bytes = Arrays.copyOf(bytes, (int) capacity);
  }

  private boolean take(long n) {
    if (!budget.tryTake(address, n)) return false;
    reserved += n;
    return true;
  }

  /** The body would exceed the body limit: answered 413. */
  static final class Oversized extends RuntimeException {
    final long bytes;

    Oversized(long bytes) {
      super("Oversized: the body exceeds " + bytes + " bytes", null, false, false);
      this.bytes = bytes;
    }
  }

  /** The budget of buffered bytes cannot hold the growing body: answered as overloaded. */
  static final class Overloaded extends RuntimeException {
    Overloaded() {
      super("Overloaded: the receiver's buffer budget is full", null, false, false);
    }
  }
}
