package org.xraybridge.model;


/**
 * Observes the merge stage's decisions (metrics, the explain view). Called on the producer's thread;
 * implementations must be quick, thread-safe and must not throw.
 */
public interface StitchListener {

  /** A tracer's chunk was taken in with its decided priority ({@code ownPriority} is what the tracer said). */
  default void nativeChunk(TraceChunk decided, int ownPriority) {}

  /** An X-Ray half was stitched; {@code duplicates} of its spans were dropped as already sent. */
  default void xray(ConvertedTrace trace, StitchResult result, int duplicates) {}

  /** A batch left for the forward stage. */
  default void flushed(ChunkBatch batch) {}

  StitchListener NONE = new StitchListener() {};

  /** Both listeners, {@code a} first. */
  static StitchListener both(StitchListener a, StitchListener b) {
    return new StitchListener() {
      @Override
      public void nativeChunk(TraceChunk decided, int ownPriority) {
        a.nativeChunk(decided, ownPriority);
        b.nativeChunk(decided, ownPriority);
      }

      @Override
      public void xray(ConvertedTrace trace, StitchResult result, int duplicates) {
        a.xray(trace, result, duplicates);
        b.xray(trace, result, duplicates);
      }

      @Override
      public void flushed(ChunkBatch batch) {
        a.flushed(batch);
        b.flushed(batch);
      }
    };
  }
}
