package org.xraybridge.model;

import java.util.List;
import java.util.Objects;

/**
 * What the merge stage flushes to the forward stage: chunks grouped by trace, one chunk per trace
 * per flush, each with its sampling priority decided; {@code receipt} is told when its spans settle
 * ({@link Receipt#NONE} in single mode).
 */
public record ChunkBatch(List<TraceChunk> chunks, int spanCount, Receipt receipt) {
  public ChunkBatch {
    chunks = List.copyOf(chunks);
    Objects.requireNonNull(receipt, "receipt == null");
  }

  public ChunkBatch(List<TraceChunk> chunks, int spanCount) {
    this(chunks, spanCount, Receipt.NONE);
  }

  public static ChunkBatch of(List<TraceChunk> chunks) {
    int n = 0;
    for (int i = 0; i < chunks.size(); i++) n += chunks.get(i).size();
    return new ChunkBatch(chunks, n);
  }

  /** The same chunks, reported to {@code r}. */
  public ChunkBatch withReceipt(Receipt r) {
    return new ChunkBatch(chunks, spanCount, r);
  }
}
