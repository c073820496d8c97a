package org.xraybridge.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xraybridge.model.Span;

/**
 * Inferred segments skipped by {@code bridge.convert.inferred=skip} (docs/conversion.md §3): their
 * children move up to their parent, their name becomes the caller's {@code peer.service}. Confined
 * to one run.
 */
final class InferredSegments {

  /** What a skipped inferred segment leaves behind. */
  private record Skipped(long parentId, String name) {}

  /** Longest chain of inferred segments under inferred segments that is followed up. */
  private static final int MAX_HOPS = 8;

  /** By span id. */
  private final Map<Long, Skipped> skipped = new HashMap<>(4);

  void skip(long spanId, long parentId, String rawName) {
    skipped.put(spanId, new Skipped(parentId, rawName));
  }

  /** {@code spans} with the skipped segments' children re-parented and their callers tagged. */
  List<Span> apply(List<Span> spans) {
    Map<Long, String> peerBySpan = new HashMap<>();
    for (Skipped s : skipped.values()) peerBySpan.put(s.parentId(), s.name());
    List<Span> out = new ArrayList<>(spans.size());
    for (int i = 0; i < spans.size(); i++) {
      Span s = spans.get(i);
      Span.Builder b = null;
      Skipped parent = skipped.get(s.parentId());
      if (parent != null) {
        long p = parent.parentId();
        // an inferred segment under another skipped inferred segment: follow the chain
        for (int hops = 0; skipped.containsKey(p) && hops < MAX_HOPS; hops++) p = skipped.get(p).parentId();
        b = s.toBuilder().parentId(p);
      }
      String peer = peerBySpan.get(s.spanId());
      if (peer != null) b = (b == null ? s.toBuilder() : b).putMeta("peer.service", peer);
      out.add(b == null ? s : b.build());
    }
    return out;
  }
}
