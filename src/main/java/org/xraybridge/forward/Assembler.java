package org.xraybridge.forward;

import org.xraybridge.model.Receipt;
import org.xraybridge.model.TraceChunk;

/**
 * Cuts chunks into request bodies for one target. Chunks are encoded when they arrive; a payload is
 * handed on when it is full, when it is older than the flush interval, or on demand. Not
 * thread-safe: the {@link Forwarder} calls it under one lock.
 */
interface Assembler {
  /**
   * Encodes the chunk into an open payload (or drops and counts it); may hand payloads on. The chunk's
   * spans are reported to {@code receipt} with the payload that carries them, or at once when dropped.
   */
  void add(TraceChunk chunk, Receipt receipt);

  /** Hands on the payloads opened at least one flush interval before {@code nowNanos}. */
  void flushDue(long nowNanos);

  /** Hands on every open payload. */
  void flushAll();
}
