package org.xraybridge.source.xray;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an X-Ray source keeps between runs: the cursor (end of the last window polled completely)
 * and, per trace seen within the delivered set's ttl, what was delivered and what is held.
 *
 * @param source the name of the source that wrote it; {@code ""} in a checkpoint written before
 *     sources had names (the one source, {@code default}, takes it over)
 * @param cursor end of the last completely polled window; the next window starts at {@code cursor − overlap}
 * @param writtenAt when this checkpoint was taken
 */
public record XRayCheckpoint(String source, Instant cursor, Instant writtenAt, List<TraceEntry> traces) {

  public XRayCheckpoint {
    Objects.requireNonNull(source, "source == null");
    Objects.requireNonNull(cursor, "cursor == null");
    Objects.requireNonNull(writtenAt, "writtenAt == null");
    traces = List.copyOf(traces);
  }

  /** A checkpoint of no named source (as written before sources had names). */
  public XRayCheckpoint(Instant cursor, Instant writtenAt, List<TraceEntry> traces) {
    this("", cursor, writtenAt, traces);
  }

  /**
   * One trace's progress.
   *
   * @param revision revision last processed, -1 when unknown
   * @param delivered segment id → hash of the delivered document text
   * @param spanIds span ids handed on
   * @param held ids of in-progress documents held back
   * @param heldSince when the trace first held a document ({@link Instant#EPOCH} when none)
   * @param touched when the entry last changed
   */
  public record TraceEntry(
      String traceId,
      int revision,
      Map<String, Long> delivered,
      long[] spanIds,
      Set<String> held,
      Instant heldSince,
      Instant touched) {

    public TraceEntry {
      Objects.requireNonNull(traceId, "traceId == null");
      delivered = Map.copyOf(delivered);
      spanIds = spanIds.clone();
      held = Set.copyOf(held);
      Objects.requireNonNull(heldSince, "heldSince == null");
      Objects.requireNonNull(touched, "touched == null");
    }
  }
}
