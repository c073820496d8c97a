package org.xraybridge.model;

import java.util.List;
import java.util.Objects;

/**
 * Spans of one trace that travel together: the unit every stage hands to the next.
 *
 * <p>{@code traceId} is the Datadog trace id (low 64 bits) shared by every span; {@code priority}
 * is the chunk's sampling priority ({@link Priority#NONE} when the producer gave none); {@code
 * origin} is {@code _dd.origin} or {@code ""}; {@code env} is the env tag the chunk's spans carry
 * ({@code ""} when unknown).
 */
public record TraceChunk(
    long traceId, List<Span> spans, int priority, String origin, String env, Half half, TracerInfo tracer) {

  public TraceChunk {
    spans = List.copyOf(spans);
    Objects.requireNonNull(origin, "origin == null");
    Objects.requireNonNull(env, "env == null");
    Objects.requireNonNull(half, "half == null");
    Objects.requireNonNull(tracer, "tracer == null");
  }

  public TraceKey key() {
    return TraceKey.of(traceId);
  }

  public int size() {
    return spans.size();
  }

  public TraceChunk withSpans(List<Span> newSpans) {
    return new TraceChunk(traceId, newSpans, priority, origin, env, half, tracer);
  }

  public TraceChunk withPriority(int newPriority) {
    return new TraceChunk(traceId, spans, newPriority, origin, env, half, tracer);
  }
}
