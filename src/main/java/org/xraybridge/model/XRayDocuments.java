package org.xraybridge.model;

import java.util.List;
import java.util.Objects;

/**
 * The documents of one X-Ray trace that a source fetched or assembled together.
 *
 * @param xrayTraceId the trace id as X-Ray writes it ({@code 1-xxxxxxxx-…}), or {@code ""} when the
 *     source does not know it (a bare document read by the CLI)
 * @param limitExceeded X-Ray truncated this trace ({@code Traces[].LimitExceeded})
 */
public record XRayDocuments(String xrayTraceId, List<SegmentDocument> documents, Half half, boolean limitExceeded) {
  public XRayDocuments {
    Objects.requireNonNull(xrayTraceId, "xrayTraceId == null");
    documents = List.copyOf(documents);
    Objects.requireNonNull(half, "half == null");
    if (!half.isXRay()) throw new IllegalArgumentException("X-Ray documents from the native half");
  }
}
