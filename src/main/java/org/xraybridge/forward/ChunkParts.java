package org.xraybridge.forward;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;

/**
 * A trace too large for one payload, cut into parts that each fit one (docs/forward.md, "Payloads"):
 * consecutive spans, about equal in count, each part a chunk of the same trace with the same
 * priority, origin, env and producer — as a tracer's partial flushes send one trace in several
 * chunks. Nothing is dropped here; a single span larger than a payload is the assembler's to count.
 */
final class ChunkParts {

  private ChunkParts() {}

  /**
   * How many parts a chunk of {@code spans} spans that encodes to {@code size} bytes needs for parts
   * of at most {@code room} bytes, if its spans are alike: at least 2, at most one per span. A part
   * that is still too large (its spans were larger than the average) is cut again by the caller.
   */
  static int count(int spans, long size, int room) {
    long parts = (size + room - 1) / room;
    // a little more than the minimum, so that parts of slightly uneven spans still fit on the first cut
    parts += parts / 8 + 1;
    return (int) Math.max(2, Math.min(spans, parts));
  }

  /** Index of the first span of part {@code i} of {@code parts}; part i is [start(i), start(i + 1)). */
  static int start(int spans, int parts, int i) {
    return (int) ((long) spans * i / parts);
  }

  /**
   * Spans {@code [from, to)} as a chunk of their own. The chunk's priority goes with every part; a
   * chunk without one gets the priority its spans carry ({@code _sampling_priority_v1} on the root,
   * else on the first span that has it), so a part without the root is not sampled on its own.
   */
  static TraceChunk part(TraceChunk chunk, int from, int to) {
    List<Span> spans = chunk.spans();
    TraceChunk part = chunk.withSpans(new ArrayList<>(spans.subList(from, to)));
    return chunk.priority() != Priority.NONE ? part : part.withPriority(carriedPriority(spans));
  }

  /** The spans' own priority, or {@link Priority#NONE} when none carries one. */
  static int carriedPriority(List<Span> spans) {
    int fallback = Priority.NONE;
    for (int i = 0; i < spans.size(); i++) {
      Double p = spans.get(i).metrics().get(Priority.METRIC);
      if (p == null) continue;
      if (spans.get(i).parentId() == 0) return p.intValue();
      if (fallback == Priority.NONE) fallback = p.intValue();
    }
    return fallback;
  }

  /** {@code top[from, to)}, the top-level marks of a part, computed on the whole chunk. */
  static boolean[] slice(boolean[] top, int from, int to) {
    boolean[] out = new boolean[to - from];
    System.arraycopy(top, from, out, 0, out.length);
    return out;
  }
}
