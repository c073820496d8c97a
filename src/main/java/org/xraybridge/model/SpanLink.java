package org.xraybridge.model;

import java.util.Map;
import java.util.Objects;

/**
 * A Datadog span link (v0.4 {@code span_links}, intake protobuf field 14). {@code flags} is 0 when
 * absent; when present the wire sets its high bit (docs/forward.md).
 */
public record SpanLink(
    long traceId,
    long traceIdHigh,
    long spanId,
    Map<String, String> attributes,
    String tracestate,
    long flags) {

  public SpanLink {
    attributes = Map.copyOf(attributes);
    Objects.requireNonNull(tracestate, "tracestate == null");
  }
}
