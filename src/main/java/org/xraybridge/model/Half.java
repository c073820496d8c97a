package org.xraybridge.model;

/** Where a span came from: which half of a trace it belongs to. */
public enum Half implements MetricTag {
  /** A Datadog tracer posted it to the receiver. */
  NATIVE,
  /** Converted from a segment the X-Ray API returned. */
  XRAY_POLL,
  /** Converted from a segment an X-Ray SDK sent to the daemon port. */
  XRAY_DAEMON,
  /**
   * Converted from a span X-Ray wrote to the CloudWatch Logs group {@code aws/spans} (Transaction
   * Search, docs/conversion.md §8). The index packs a half in two bits: this fourth value is the last
   * that fits there (merge.IndexStripe).
   */
  XRAY_LOGS;

  public boolean isXRay() {
    return this != NATIVE;
  }
}
