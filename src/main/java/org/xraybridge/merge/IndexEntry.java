package org.xraybridge.merge;

import java.util.Objects;
import org.xraybridge.model.Half;

/**
 * What the trace index remembers of one trace, as handed to callers. The index stores it packed in
 * primitive arrays ({@link IndexStripe}) and builds one of these per read, so this value is sized for
 * clarity, not for the heap.
 *
 * <p>Accessors: {@link #traceId()} the native Datadog trace id (low 64 bits) once a tracer's spans were
 * seen, until then the id the X-Ray half was converted to; {@link #traceIdHigh()} the native {@code
 * _dd.p.tid} (0 when unknown); {@link #env()} env of the half that wrote the entry; {@link #priority()}
 * the trace's one sampling decision; {@link #decidedBy()} the half seen first; {@link #nativeSeen()};
 * {@link #firstSeenSeconds()} (epoch seconds, kept to 32 bits as the index stores them). Immutable.
 */
public final class IndexEntry {

  private final long traceId;
  private final long traceIdHigh;
  private final String env;
  private final int priority;
  private final Half decidedBy;
  private final boolean nativeSeen;
  private final long firstSeenSeconds;

  IndexEntry(long traceId, long traceIdHigh, String env, int priority, Half decidedBy, boolean nativeSeen, long firstSeenSeconds) {
    this.traceId = traceId;
    this.traceIdHigh = traceIdHigh;
    this.env = Objects.requireNonNull(env, "env == null");
    this.priority = priority;
    this.decidedBy = Objects.requireNonNull(decidedBy, "decidedBy == null");
    this.nativeSeen = nativeSeen;
    this.firstSeenSeconds = firstSeenSeconds & 0xFFFF_FFFFL;
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
    return priority;
  }

  public Half decidedBy() {
    return decidedBy;
  }

  public boolean nativeSeen() {
    return nativeSeen;
  }

  public long firstSeenSeconds() {
    return firstSeenSeconds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IndexEntry e && traceId == e.traceId && traceIdHigh == e.traceIdHigh && env.equals(e.env)
        && priority == e.priority && decidedBy == e.decidedBy && nativeSeen == e.nativeSeen
        && firstSeenSeconds == e.firstSeenSeconds;
  }

  @Override
  public int hashCode() {
    return Objects.hash(traceId, traceIdHigh, env, priority, decidedBy, nativeSeen, firstSeenSeconds);
  }

  @Override
  public String toString() {
    return "IndexEntry[traceId=" + Long.toUnsignedString(traceId()) + ", tid=" + Long.toHexString(traceIdHigh) + ", env=" + env
        + ", priority=" + priority() + ", decidedBy=" + decidedBy() + ", nativeSeen=" + nativeSeen() + "]";
  }
}
