package org.xraybridge.merge;

import org.xraybridge.model.Half;

/**
 * What the trace index remembers of one trace, packed into three longs and a shared string so an
 * entry costs 40 bytes of heap (see {@link TraceIndex} for the cost with the cache's own overhead).
 *
 * <p>Accessors: {@link #traceId()} the native Datadog trace id (low 64 bits) once a tracer's spans were
 * seen, until then the id the X-Ray half was converted to; {@link #traceIdHigh()} the native {@code
 * _dd.p.tid} (0 when unknown); {@link #env()} env of the half that wrote the entry; {@link #priority()}
 * the trace's one sampling decision; {@link #decidedBy()} the half seen first; {@link #nativeSeen()};
 * {@link #firstSeenSeconds()}. Immutable.
 */
public final class IndexEntry {

  private static final Half[] HALVES = Half.values();

  private final long traceIdHigh;
  private final long traceId;
  /** bits 40-47: priority · 38-39: decidedBy · 37: nativeSeen · 0-31: first seen (epoch s). */
  private final long packed;
  private final String env;

  IndexEntry(long traceId, long traceIdHigh, String env, int priority, Half decidedBy, boolean nativeSeen, long firstSeenSeconds) {
    this.traceId = traceId;
    this.traceIdHigh = traceIdHigh;
    this.env = env;
    this.packed = ((long) (priority & 0xFF) << 40)
        | ((long) decidedBy.ordinal() << 38)
        | (nativeSeen ? 1L << 37 : 0)
        | (firstSeenSeconds & 0xFFFF_FFFFL);
  }

  public long traceId() {
    return traceId;
  }

  public long traceIdHigh() {
    return traceIdHigh;
  }

  public String env() {
    return env;
  }

  public int priority() {
    return (byte) (packed >>> 40);
  }

  public Half decidedBy() {
    return HALVES[(int) ((packed >>> 38) & 3)];
  }

  public boolean nativeSeen() {
    return (packed & (1L << 37)) != 0;
  }

  public long firstSeenSeconds() {
    return packed & 0xFFFF_FFFFL;
  }

  @Override
  public String toString() {
    return "IndexEntry[traceId=" + Long.toUnsignedString(traceId()) + ", tid=" + Long.toHexString(traceIdHigh) + ", env=" + env
        + ", priority=" + priority() + ", decidedBy=" + decidedBy() + ", nativeSeen=" + nativeSeen() + "]";
  }
}
