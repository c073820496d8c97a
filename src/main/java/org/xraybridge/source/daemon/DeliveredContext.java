package org.xraybridge.source.daemon;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * Documents already delivered, kept per trace as context for its later pieces: the converter reads
 * them as delivered, so a late piece gets its segment's service and env and nothing is sent twice;
 * a complete document whose id is in context is a duplicate. Kept {@code ttl} after the trace's last
 * delivery, within {@code maxBytes}, least recently delivered first out (that only costs later pieces
 * their context). Confined to the assembler thread.
 */
final class DeliveredContext {

  /** Traces with context, least recently delivered first. */
  private final LinkedHashMap<String, PendingTrace> order = new LinkedHashMap<>();
  private final long ttlNanos;
  private final long maxBytes;
  private long bytes;

  DeliveredContext(long ttlNanos, long maxBytes) {
    this.ttlNanos = ttlNanos;
    this.maxBytes = maxBytes;
  }

  /** Keeps {@code delivered} as {@code t}'s context; {@code forgotten} gets the other traces whose context made room. */
  void remember(PendingTrace t, List<DaemonDocument> delivered, long now, Consumer<PendingTrace> forgotten) {
    for (int i = 0; i < delivered.size(); i++) {
      DaemonDocument d = delivered.get(i);
      if (t.context.put(d.id(), d) == null) {
        t.contextBytes += d.bytes();
        bytes += d.bytes();
        if (d.segment()) t.contextHasSegment = true;
      }
    }
    t.lastDelivery = now;
    order.remove(t.key);
    order.put(t.key, t);
    Iterator<PendingTrace> it = order.values().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      PendingTrace oldest = it.next();
      it.remove();
      clear(oldest);
      if (oldest != t) forgotten.accept(oldest);
    }
  }

  /** Forgets context delivered {@code ttl} ago or more; {@code forgotten} gets each trace. */
  void expire(long now, Consumer<PendingTrace> forgotten) {
    Iterator<PendingTrace> it = order.values().iterator();
    while (it.hasNext()) {
      PendingTrace t = it.next();
      if (now - t.lastDelivery < ttlNanos) break;
      it.remove();
      clear(t);
      forgotten.accept(t);
    }
  }

  /** {@code t} leaves assembly. */
  void remove(PendingTrace t) {
    order.remove(t.key);
  }

  int traces() {
    return order.size();
  }

  long bytes() {
    return bytes;
  }

  private void clear(PendingTrace t) {
    bytes -= t.contextBytes;
    t.contextBytes = 0;
    t.context.clear();
    t.contextHasSegment = false;
  }
}
