package org.xraybridge.forward.intake;

import java.util.Arrays;
import java.util.List;
import org.xraybridge.model.Span;

/**
 * Which spans of a chunk are top-level (docs/forward.md; libdatadog {@code compute_top_level_span}):
 * a root ({@code parent_id == 0}), a span whose parent is not in the chunk, or a span whose parent
 * has another {@code service}. The Agent marks these with metric {@code _top_level = 1}; going
 * straight to the intake there is no Agent, so we do.
 *
 * <p>Not thread-safe: holds a reusable open-addressing index (span id → position) so a chunk costs
 * no allocation once the index has grown to the largest chunk seen.
 */
public final class TopLevel {
  /** The metric the Agent writes. */
  public static final String METRIC = "_top_level";
  /** The metric a tracer writes when it computed top-level itself (either counts for stats). */
  public static final String TRACER_METRIC = "_dd.top_level";

  private long[] keys = new long[64];
  private int[] values = new int[64];
  private boolean[] used = new boolean[64];
  private boolean[] result = new boolean[16];

  /**
   * Marks the chunk's spans; the returned array is reused by the next call and valid for the first
   * {@code spans.size()} entries.
   */
  public boolean[] compute(List<Span> spans) {
    int n = spans.size();
    if (result.length < n) result = new boolean[Math.max(n, result.length * 2)];
    index(spans);
    for (int i = 0; i < n; i++) {
      Span s = spans.get(i);
      if (s.parentId() == 0) {
        result[i] = true;
        continue;
      }
      int parent = find(s.parentId());
      result[i] = parent < 0 || !spans.get(parent).service().equals(s.service());
    }
    return result;
  }

  private void index(List<Span> spans) {
    int n = spans.size();
    int capacity = keys.length;
    while (capacity < n * 2) capacity *= 2;
    if (capacity != keys.length) {
      keys = new long[capacity];
      values = new int[capacity];
      used = new boolean[capacity];
    } else {
      Arrays.fill(used, false);
    }
    int mask = capacity - 1;
    for (int i = 0; i < n; i++) {
      long id = spans.get(i).spanId();
      int slot = mix(id) & mask;
      while (used[slot] && keys[slot] != id) slot = (slot + 1) & mask;
      // a duplicate span id keeps its first position; the parent's service is what matters
      if (!used[slot]) {
        used[slot] = true;
        keys[slot] = id;
        values[slot] = i;
      }
    }
  }

  private int find(long id) {
    int mask = keys.length - 1;
    int slot = mix(id) & mask;
    while (used[slot]) {
      if (keys[slot] == id) return values[slot];
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  private static int mix(long id) {
    long h = id * 0x9E37_79B9_7F4A_7C15L;
    return (int) (h ^ (h >>> 32));
  }
}
