package org.xraybridge.model;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The documents of one X-Ray trace that a source fetched or assembled together.
 *
 * @param xrayTraceId the trace id as X-Ray writes it ({@code 1-xxxxxxxx-…}), or {@code ""} when the
 *     source does not know it (a bare document read by the CLI)
 * @param limitExceeded X-Ray truncated this trace ({@code Traces[].LimitExceeded})
 * @param delivered ids of documents given for context only: they were delivered with an earlier chunk
 *     of this trace, so they yield no span now, but their services, exceptions and inferred segments
 *     still inform the spans of the documents that are new (a late independent subsegment takes its
 *     parent segment's service)
 */
public record XRayDocuments(
    String xrayTraceId, List<SegmentDocument> documents, Half half, boolean limitExceeded, Set<String> delivered) {
  public XRayDocuments {
    Objects.requireNonNull(xrayTraceId, "xrayTraceId == null");
    documents = List.copyOf(documents);
    Objects.requireNonNull(half, "half == null");
    if (!half.isXRay()) throw new IllegalArgumentException("X-Ray documents from the native half");
    delivered = Set.copyOf(delivered);
  }

  /** Documents that are all new. */
  public XRayDocuments(String xrayTraceId, List<SegmentDocument> documents, Half half, boolean limitExceeded) {
    this(xrayTraceId, documents, half, limitExceeded, Set.of());
  }
}
