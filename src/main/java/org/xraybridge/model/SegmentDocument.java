package org.xraybridge.model;

import java.util.Objects;

/**
 * One X-Ray segment document as it arrived: the JSON text of a segment or an independent
 * subsegment. {@code id} is the id the transport named it by ({@code Segments[].Id} of
 * BatchGetTraces), or {@code ""} when the transport names none (the daemon's UDP datagrams).
 */
public record SegmentDocument(String id, String json) {
  public SegmentDocument {
    Objects.requireNonNull(id, "id == null");
    Objects.requireNonNull(json, "json == null");
  }
}
