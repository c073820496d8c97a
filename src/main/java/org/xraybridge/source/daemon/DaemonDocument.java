package org.xraybridge.source.daemon;

import java.util.Objects;

/**
 * One segment document as a datagram carried it, with the four facts assembly groups it by; the
 * converter does the real parsing later.
 *
 * @param traceId {@code trace_id} as written (grouping is case-insensitive)
 * @param id {@code id} as written
 * @param independentSubsegment {@code "type": "subsegment"}: an independent subsegment, else a segment
 * @param inProgress {@code "in_progress": true}: a complete version with the same id should follow
 * @param json the document text (the datagram after the header line)
 * @param bytes UTF-8 length of {@code json}: what buffering it costs, for the byte caps
 */
record DaemonDocument(String traceId, String id, boolean independentSubsegment, boolean inProgress, String json, int bytes) {
  DaemonDocument {
    Objects.requireNonNull(traceId, "traceId == null");
    Objects.requireNonNull(id, "id == null");
    Objects.requireNonNull(json, "json == null");
  }

  boolean segment() {
    return !independentSubsegment;
  }
}
