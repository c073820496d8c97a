package org.xraybridge.model;

import java.util.List;

/**
 * Spans as the v0.4 wire's span array (one trace of a {@code /v0.4/traces} body), the value of a
 * record of the kafka mode's spans topic (docs/cluster.md, "The record"). Implemented by the forward
 * stage's v0.4 writer, so the wire is written in one place. Thread-safe.
 */
public interface ChunkEncoder {

  /** Exact bytes {@code span} takes inside the array. */
  int sizeOf(Span span);

  /** The msgpack array of {@code spans}, each written as it is (no priority added). */
  byte[] encode(List<Span> spans);
}
