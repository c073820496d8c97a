package org.xraybridge.forward.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The bounded queue between the assembler (which cuts payloads) and the senders.
 *
 * <p>Two bounds, bytes and payloads. {@link #saturated()} turns true when either is reached; the
 * pipeline asks it before admitting new data, so a full queue becomes back-pressure at the edges
 * (429 to tracers, a paused poller) — see {@code BatchSink}. {@link #offer} never refuses, because
 * the data was already admitted; a producer that ignores {@code saturated()} meets a hard bound at
 * twice the configured one, where the oldest payload is handed to {@code overflow} (as the Agent's
 * sender drops the oldest when its queue is full) so memory stays bounded.
 *
 * <p>Thread-safe; FIFO.
 */
public final class Outbox {
  private final long maxBytes;
  private final int maxPayloads;
  private final Consumer<Payload> overflow;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<Payload> queue = new ArrayDeque<>();
  private long bytes;

  public Outbox(long maxBytes, int maxPayloads, Consumer<Payload> overflow) {
    if (maxBytes <= 0 || maxPayloads <= 0) {
      throw new IllegalArgumentException("outbox bounds must be positive, got " + maxBytes + " bytes, " + maxPayloads + " payloads");
    }
    this.maxBytes = maxBytes;
    this.maxPayloads = maxPayloads;
    this.overflow = overflow;
  }

  /** True when the queue holds at least its bound of bytes or payloads. */
  public boolean saturated() {
    lock.lock();
    try {
      return bytes >= maxBytes || queue.size() >= maxPayloads;
    } finally {
      lock.unlock();
    }
  }

  /** Takes the payload (see the class comment for the hard bound). */
  public void offer(Payload p) {
    List<Payload> evicted = null;
    lock.lock();
    try {
      queue.addLast(p);
      bytes += p.body().length;
      while (queue.size() > 1 && (bytes > 2 * maxBytes || queue.size() > 2 * maxPayloads)) {
        Payload old = removeFirst();
        if (evicted == null) evicted = new ArrayList<>(1);
        evicted.add(old);
      }
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    if (evicted != null) evicted.forEach(overflow);
  }

  /**
   * Puts back a payload a sender could not deliver, first in line, outside the overflow bound: it was
   * admitted already (kafka mode keeps retrying rather than spooling, docs/forward.md).
   */
  public void retry(Payload p) {
    lock.lock();
    try {
      queue.addFirst(p);
      bytes += p.body().length;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** The oldest payload, waiting up to {@code timeoutNanos}; null if none came. */
  public Payload poll(long timeoutNanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      long left = timeoutNanos;
      while (queue.isEmpty()) {
        if (left <= 0) return null;
        left = notEmpty.awaitNanos(left);
      }
      return removeFirst();
    } finally {
      lock.unlock();
    }
  }

  /** Empties the queue, oldest first. */
  public List<Payload> drain() {
    lock.lock();
    try {
      List<Payload> all = new ArrayList<>(queue.size());
      while (!queue.isEmpty()) all.add(removeFirst());
      return all;
    } finally {
      lock.unlock();
    }
  }

  public boolean isEmpty() {
    lock.lock();
    try {
      return queue.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  public int payloads() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  public long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  private Payload removeFirst() {
    Payload p = queue.removeFirst();
    bytes -= p.body().length;
    return p;
  }
}
