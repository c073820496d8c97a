package org.xraybridge.model;

import java.util.List;

/**
 * Where the receiver hands the chunks of one decoded tracer payload (implemented by the merge stage).
 * All or nothing: {@link Admission#OVERLOADED} means none was taken. Thread-safe, non-blocking.
 */
@FunctionalInterface
public interface NativeSink {
  Admission offer(List<TraceChunk> chunks);
}
