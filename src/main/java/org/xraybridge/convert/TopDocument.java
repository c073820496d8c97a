package org.xraybridge.convert;

/**
 * A top-level document that passed the rules of docs/conversion.md §0.
 *
 * @param id the {@code id} as written, the name the source knows the document by
 * @param endNanos -1 while the document is in progress
 */
record TopDocument(Segment segment, String id, long spanId, long parentId, long startNanos, long endNanos) {

  boolean complete() {
    return endNanos >= 0;
  }
}
