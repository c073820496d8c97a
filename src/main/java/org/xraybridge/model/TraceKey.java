package org.xraybridge.model;

/**
 * The merge key of a trace: the low 63 bits of its Datadog {@code trace_id}. Both halves of a
 * trace agree on these bits whichever id convention produced them (Datadog's Lambda libraries mask
 * the X-Ray id to 63 bits; a tracer's padded X-Ray id carries all 64), see docs/conversion.md §1.
 */
public record TraceKey(long value) {

  private static final long LOW_63 = 0x7FFF_FFFF_FFFF_FFFFL;

  public TraceKey {
    if (value < 0) throw new IllegalArgumentException("trace key has its top bit set: " + value);
  }

  public static TraceKey of(long datadogTraceId) {
    return new TraceKey(datadogTraceId & LOW_63);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
