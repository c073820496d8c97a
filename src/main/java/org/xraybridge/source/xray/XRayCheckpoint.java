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
 * @param path the path the cursor belongs to; a source that resumes on another path starts that path's
 *     windows from this cursor
 * @param cursor end of the last completely polled window; the next window starts at {@code cursor − overlap}
 * @param writtenAt when this checkpoint was taken
 * @param heldEvents in-progress span records of the logs path, kept to be offered again
 */
public record XRayCheckpoint(
    String source, SourcePath path, Instant cursor, Instant writtenAt, List<TraceEntry> traces, List<HeldEvent> heldEvents) {

  public XRayCheckpoint {
    Objects.requireNonNull(source, "source == null");
    Objects.requireNonNull(path, "path == null");
    Objects.requireNonNull(cursor, "cursor == null");
    Objects.requireNonNull(writtenAt, "writtenAt == null");
    traces = List.copyOf(traces);
    heldEvents = List.copyOf(heldEvents);
  }

  /** A checkpoint of the X-Ray path with no held span records. */
  public XRayCheckpoint(String source, Instant cursor, Instant writtenAt, List<TraceEntry> traces) {
    this(source, SourcePath.XRAY, cursor, writtenAt, traces, List.of());
  }

  /** A checkpoint of no named source (as written before sources had names). */
  public XRayCheckpoint(Instant cursor, Instant writtenAt, List<TraceEntry> traces) {
    this("", cursor, writtenAt, traces);
  }

  /**
   * A span record of {@code aws/spans} that was in progress when read: kept whole, because the log
   * event cannot be asked for again by id, and offered to the converter again until it is complete
   * or its in-progress timeout passed.
   *
   * @param eventId the CloudWatch Logs event id
   * @param traceKey the X-Ray trace id it belongs to ({@code 1-…})
   * @param spanId its span id, lower-case hex
   * @param message the record as read
   * @param since when it was first held
   */
  public record HeldEvent(String eventId, String traceKey, String spanId, String message, Instant since) {
    public HeldEvent {
      Objects.requireNonNull(eventId, "eventId == null");
      Objects.requireNonNull(traceKey, "traceKey == null");
      Objects.requireNonNull(spanId, "spanId == null");
      Objects.requireNonNull(message, "message == null");
      Objects.requireNonNull(since, "since == null");
    }
  }

  /**
   * One trace's progress.
   *
   * @param revision revision last processed, -1 when unknown
   * @param delivered segment id → hash of the delivered document text
   * @param spanIds span ids handed on
   * @param held ids of in-progress documents held back
   * @param heldSince when the trace first held a document ({@link Instant#EPOCH} when none)
   * @param touched the poll cursor when the entry last changed (the delivered set's clock)
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
