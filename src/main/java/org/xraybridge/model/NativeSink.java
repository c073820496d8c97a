package org.xraybridge.model;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where the receiver hands the chunks of one decoded tracer payload: the merge stage in single mode,
 * the cluster producer in kafka mode. The answer may come later — in kafka mode only once the spans
 * topic acknowledged the chunks (docs/cluster.md, "Durable before 200") — so the caller must not wait
 * for it on an event loop, only react when it completes. {@link Admission#OVERLOADED} means none was
 * taken; {@link Admission#SHED} that the sink took the chunks but lost some and counted them.
 * Thread-safe; {@link #offer} itself never blocks.
 */
@FunctionalInterface
public interface NativeSink {
  CompletionStage<Admission> offer(List<TraceChunk> chunks);
}
