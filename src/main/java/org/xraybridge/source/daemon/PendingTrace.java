package org.xraybridge.source.daemon;

import java.util.LinkedHashMap;

/**
 * One trace in assembly: its documents not converted yet (pending), the in-progress ones the converter
 * held back (held), and those delivered, kept as context for later pieces. Confined to the assembler
 * thread.
 */
final class PendingTrace {
  /** The trace id in lower case: grouping is case-insensitive. */
  final String key;
  /** The trace id as the first document wrote it. */
  final String xrayTraceId;
  final LinkedHashMap<String, DaemonDocument> pending = new LinkedHashMap<>();
  final LinkedHashMap<String, HeldDocuments.Held> held = new LinkedHashMap<>();
  final LinkedHashMap<String, DaemonDocument> context = new LinkedHashMap<>();
  int pendingSegments;
  int heldSegments;
  boolean contextHasSegment;
  long contextBytes;
  long firstArrival;
  long lastArrival;
  long lastDelivery;
  /** Whether it is counted among the active traces. */
  boolean countedActive;

  PendingTrace(String key, String xrayTraceId) {
    this.key = key;
    this.xrayTraceId = xrayTraceId;
  }

  /** Holds documents still to be converted or held. */
  boolean active() {
    return !pending.isEmpty() || !held.isEmpty();
  }

  /** Has a segment somewhere: its subsegments can be given the right service now. */
  boolean rooted() {
    return pendingSegments > 0 || heldSegments > 0 || contextHasSegment;
  }
}
