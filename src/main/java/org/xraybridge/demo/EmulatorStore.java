package org.xraybridge.demo;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The traces an {@link XRayEmulator} serves: segment documents as {@code PutTraceSegments} (or the
 * demo traffic, in process) stored them, indexed the way the X-Ray API answers for them.
 *
 * <p>What it imitates (the X-Ray API reference): a complete document replaces an in-progress one with the same id;
 * an independent subsegment ({@code "type": "subsegment"}) is merged into the document of the segment
 * it hangs under when {@code BatchGetTraces} reads the trace, so a late subsegment changes its parent's
 * document and not the list of segment ids; every change bumps the trace's {@code Revision} and its
 * update time (what {@code TimeRangeType=Event} selects on). Untouched documents are served byte for
 * byte as they were put.
 *
 * <p>Thread-safe: every method synchronises on the store; nothing here blocks on I/O.
 */
public final class EmulatorStore {

  static final Pattern TRACE_ID = Pattern.compile("1-[0-9a-f]{8}-[0-9a-f]{24}");
  static final Pattern SEGMENT_ID = Pattern.compile("[0-9a-f]{16}");

  static final JsonMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  /** Traces kept by default; the demo adds about one every ten seconds, so this is days of demo. */
  public static final int DEFAULT_MAX_TRACES = 20_000;

  private final Clock clock;
  private final int maxTraces;
  private final Map<String, StoredTrace> traces = new HashMap<>();
  private long sequence;

  /** @param clock the emulator's notion of "now": when a document arrived (the Event time axis) */
  public EmulatorStore(Clock clock) {
    this(clock, DEFAULT_MAX_TRACES);
  }

  /**
   * @param clock the emulator's notion of "now": when a document arrived (the Event time axis)
   * @param maxTraces bound on traces kept; past it the least recently updated tenth is forgotten
   *     (X-Ray itself forgets traces after 30 days)
   */
  public EmulatorStore(Clock clock, int maxTraces) {
    this.clock = Objects.requireNonNull(clock, "clock == null");
    if (maxTraces < 10) throw new IllegalArgumentException("maxTraces: expected >= 10, got " + maxTraces);
    this.maxTraces = maxTraces;
  }

  /** Why a document was refused, as {@code PutTraceSegments} reports it. */
  public record Unprocessed(String id, String errorCode, String message) {}

  /** The time axis of {@code GetTraceSummaries} ({@code TimeRangeType}). */
  public enum TimeRangeType {
    /** Trace start time, decoded from the trace id (the API's default). */
    TRACE_ID,
    /** Trace update time: when the last document of the trace arrived. */
    EVENT,
    /** Segment end time: the latest {@code end_time} in the trace. */
    SERVICE;

    static TimeRangeType parse(String wire) {
      if (wire == null || wire.isEmpty() || wire.equals("TraceId")) return TRACE_ID;
      if (wire.equals("Event")) return EVENT;
      if (wire.equals("Service")) return SERVICE;
      throw new IllegalArgumentException("TimeRangeType: expected TraceId, Event or Service, got '" + wire + "'");
    }
  }

  /** Stores the documents as {@code PutTraceSegments} does; returns the ones refused. */
  public synchronized List<Unprocessed> put(List<String> documents) {
    List<Unprocessed> refused = new ArrayList<>();
    Instant now = clock.instant();
    for (String text : documents) {
      Unprocessed u = putOne(text, now);
      if (u != null) refused.add(u);
    }
    if (traces.size() > maxTraces) forgetOldest(traces.size() - maxTraces + maxTraces / 10);
    return refused;
  }

  private void forgetOldest(int n) {
    List<StoredTrace> all = new ArrayList<>(traces.values());
    all.sort(Comparator.comparingLong(t -> t.sequence));
    for (int i = 0; i < n && i < all.size(); i++) traces.remove(all.get(i).id);
  }

  /** One document; see {@link #put(List)}. */
  public List<Unprocessed> put(String document) {
    return put(List.of(document));
  }

  /** Number of traces held. */
  public synchronized int traceCount() {
    return traces.size();
  }

  /** Ids of every top-level segment document held (independent subsegments are merged, not listed). */
  public synchronized List<String> segmentIds() {
    List<String> ids = new ArrayList<>();
    for (StoredTrace t : traces.values()) ids.addAll(t.segments.keySet());
    return ids;
  }

  /** Current revision of a trace, or -1 when unknown. */
  public synchronized int revision(String traceId) {
    StoredTrace t = traces.get(traceId);
    return t == null ? -1 : t.revision;
  }

  /** Removes everything. */
  public synchronized void clear() {
    traces.clear();
  }

  private Unprocessed putOne(String text, Instant now) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JacksonException e) {
      return new Unprocessed("", "InvalidSegment", "Malformed JSON: " + e.getOriginalMessage());
    }
    if (!(node instanceof ObjectNode doc)) {
      return new Unprocessed("", "InvalidSegment", "Malformed document: expected a JSON object");
    }
    String id = doc.path("id").asString("");
    if (!SEGMENT_ID.matcher(id).matches()) {
      return new Unprocessed(id, "InvalidSegmentId", "Invalid segment. ErrorCode: InvalidSegmentId");
    }
    String traceId = doc.path("trace_id").asString("");
    if (!TRACE_ID.matcher(traceId).matches()) {
      return new Unprocessed(id, "InvalidTraceId", "Invalid segment. ErrorCode: InvalidTraceId");
    }
    if (!doc.path("start_time").isNumber() || doc.path("name").asString("").isEmpty()) {
      return new Unprocessed(id, "MissingRequiredFields", "Invalid segment. ErrorCode: MissingRequiredFields");
    }
    boolean independent = doc.path("type").asString("").equals("subsegment");
    if (independent && doc.path("parent_id").asString("").isEmpty()) {
      return new Unprocessed(id, "MissingRequiredFields", "Invalid subsegment: parent_id is required");
    }
    StoredTrace trace = traces.computeIfAbsent(traceId, StoredTrace::new);
    Map<String, Stored> target = independent ? trace.independents : trace.segments;
    Stored previous = target.get(id);
    if (previous != null && previous.text.equals(text)) return null; // a resend changes nothing
    if (previous != null && !previous.inProgress() && isInProgress(doc)) {
      return null; // a late in-progress copy never replaces the complete document
    }
    target.put(id, new Stored(text, doc));
    trace.revision++;
    trace.updated = now;
    trace.sequence = ++sequence;
    return null;
  }

  /** The summaries of traces whose time on {@code axis} lies in {@code [start, end)}, newest first. */
  synchronized List<Summary> summaries(
      Instant start, Instant end, TimeRangeType axis, Predicate<TraceView> filter) {
    List<Summary> out = new ArrayList<>();
    for (StoredTrace t : traces.values()) {
      if (t.segments.isEmpty()) continue; // only orphan subsegments so far: not queryable yet
      Instant at = t.time(axis);
      if (at.isBefore(start) || !at.isBefore(end)) continue;
      TraceView view = t.view();
      if (!filter.test(view)) continue;
      out.add(new Summary(view, at, t.sequence));
    }
    out.sort(Summary.NEWEST_FIRST);
    return out;
  }

  /** The trace as {@code BatchGetTraces} returns it, or {@code null}. */
  synchronized TraceView trace(String traceId) {
    StoredTrace t = traces.get(traceId);
    return t == null || t.segments.isEmpty() ? null : t.view();
  }

  static boolean isInProgress(JsonNode doc) {
    return doc.path("in_progress").asBoolean(false) || !doc.path("end_time").isNumber();
  }

  /** Epoch seconds of a numeric JSON field as an instant (microsecond precision), or {@code null}. */
  static Instant seconds(JsonNode n) {
    if (n == null || !n.isNumber()) return null;
    BigDecimal s = n.decimalValue();
    long whole = s.setScale(0, RoundingMode.FLOOR).longValueExact();
    long nanos = s.subtract(BigDecimal.valueOf(whole)).movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValue();
    return Instant.ofEpochSecond(whole, nanos);
  }

  /** One stored document: its exact text and its parsed tree (never mutated). */
  private record Stored(String text, ObjectNode doc) {
    boolean inProgress() {
      return isInProgress(doc);
    }
  }

  /** A summary row with the time it matched at. */
  record Summary(TraceView trace, Instant matchedAt, long sequence) {
    static final Comparator<Summary> NEWEST_FIRST =
        Comparator.comparing(Summary::matchedAt).thenComparing(s -> s.trace.id()).reversed();
  }

  /**
   * A read-only snapshot of one trace as the API shows it.
   *
   * @param documents segment id → document text, independent subsegments merged in
   */
  record TraceView(
      String id,
      int revision,
      Map<String, String> documents,
      List<ObjectNode> roots,
      Instant startTime,
      Instant endTime,
      boolean partial,
      Instant updated) {

    /** Total size of the documents in bytes (UTF-16 length; close enough for the size quota). */
    int size() {
      int n = 0;
      for (String d : documents.values()) n += d.length();
      return n;
    }
  }

  /** Everything stored for one trace id. */
  private static final class StoredTrace {
    final String id;
    final Map<String, Stored> segments = new LinkedHashMap<>();
    final Map<String, Stored> independents = new LinkedHashMap<>();
    int revision;
    Instant updated = Instant.EPOCH;
    long sequence;

    StoredTrace(String id) {
      this.id = id;
    }

    Instant time(TimeRangeType axis) {
      switch (axis) {
        case EVENT:
          return updated;
        case SERVICE:
          return view().endTime();
        default:
          return Instant.ofEpochSecond(Long.parseLong(id.substring(2, 10), 16));
      }
    }

    TraceView view() {
      Map<String, String> docs = new LinkedHashMap<>();
      List<ObjectNode> roots = new ArrayList<>();
      Instant start = null;
      Instant end = null;
      boolean partial = false;
      for (Map.Entry<String, Stored> e : segments.entrySet()) {
        Stored s = e.getValue();
        ObjectNode merged = mergeIndependents(s.doc);
        docs.put(e.getKey(), merged == null ? s.text : JSON.writeValueAsString(merged));
        ObjectNode tree = merged == null ? s.doc : merged;
        roots.add(tree);
        partial |= s.inProgress();
        Instant st = seconds(tree.get("start_time"));
        if (st != null && (start == null || st.isBefore(start))) start = st;
        Instant en = seconds(tree.get("end_time"));
        if (en == null) en = st;
        if (en != null && (end == null || en.isAfter(end))) end = en;
      }
      for (Stored s : independents.values()) partial |= s.inProgress();
      if (start == null) start = Instant.EPOCH;
      if (end == null) end = start;
      return new TraceView(id, revision, docs, roots, start, end, partial, updated);
    }

    /**
     * A copy of {@code segment} with every independent subsegment that hangs under it (directly or
     * through another independent subsegment) added to its parent's {@code subsegments}; {@code null}
     * when none hangs under it.
     */
    private ObjectNode mergeIndependents(ObjectNode segment) {
      if (independents.isEmpty()) return null;
      ObjectNode copy = null;
      boolean attached = true;
      List<String> done = new ArrayList<>();
      while (attached) { // repeat so a subsegment under another independent one finds its parent
        attached = false;
        for (Map.Entry<String, Stored> e : independents.entrySet()) {
          if (done.contains(e.getKey())) continue;
          String parentId = e.getValue().doc.path("parent_id").asString("");
          ObjectNode probe = copy == null ? segment : copy;
          if (findById(probe, parentId) == null) continue;
          if (copy == null) copy = segment.deepCopy();
          ObjectNode parent = findById(copy, parentId);
          ObjectNode child = e.getValue().doc.deepCopy();
          child.remove(List.of("type", "trace_id", "parent_id"));
          JsonNode subs = parent.get("subsegments");
          ArrayNode array = subs instanceof ArrayNode a ? a : parent.putArray("subsegments");
          array.add(child);
          done.add(e.getKey());
          attached = true;
        }
      }
      return copy;
    }

    private static ObjectNode findById(ObjectNode node, String id) {
      if (id.equals(node.path("id").asString(""))) return node;
      JsonNode subs = node.get("subsegments");
      if (subs instanceof ArrayNode array) {
        for (JsonNode child : array) {
          if (child instanceof ObjectNode o) {
            ObjectNode found = findById(o, id);
            if (found != null) return found;
          }
        }
      }
      return null;
    }
  }
}
