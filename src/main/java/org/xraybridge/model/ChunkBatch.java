package org.xraybridge.model;

import java.util.List;

/**
 * What the merge stage flushes to the forward stage: chunks grouped by trace, one chunk per trace
 * per flush, each with its sampling priority decided.
 */
public record ChunkBatch(List<TraceChunk> chunks, int spanCount) {
  public ChunkBatch {
    chunks = List.copyOf(chunks);
  }

  public static ChunkBatch of(List<TraceChunk> chunks) {
    int n = 0;
    for (int i = 0; i < chunks.size(); i++) n += chunks.get(i).size();
    return new ChunkBatch(chunks, n);
  }
}
