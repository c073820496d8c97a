package org.xraybridge.source.daemon;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.model.XRaySink;
import org.xraybridge.source.daemon.DaemonMetrics.DocumentOutcome;
import org.xraybridge.source.daemon.DaemonMetrics.FlushReason;

/**
 * Gathers the documents of each trace as they arrive from the daemon port, converts them as one
 * chunk when the trace looks complete, and hands the chunk to the merge stage.
 *
 * <h2>Per trace</h2>
 * <ul>
 *   <li><b>pending</b>: documents not yet converted. The trace is flushed (converted, offered) when it
 *       has a segment (pending, held or delivered) and nothing arrived for the quiet period, or the
 *       assembly window since its first pending piece closed; without any segment (streamed
 *       subsegments of a request still running) when the orphan window closed.
 *   <li><b>held</b>: in-progress documents the converter held back. They ride along with every later
 *       flush of the trace (the converter still reads them: an in-progress segment names the service
 *       of its streamed subsegments), are superseded by a later version with the same id, and are
 *       converted again when the in-progress timeout passes — the converter then emits them as they
 *       are (MAPPING.md §2). One the converter still holds after twice the timeout (a clock far
 *       ahead) is given up and counted.
 *   <li><b>context</b>: documents already delivered, passed to later flushes as
 *       {@link XRayDocuments#delivered()} so a late piece gets its segment's service and env without
 *       anything being sent twice. Kept for {@code deliveredTtl} after the trace's last delivery,
 *       within {@code maxContextBytes} (least recently delivered traces are forgotten first; that
 *       only costs later pieces their context). A complete document whose id is in context is a
 *       duplicate.
 * </ul>
 *
 * <h2>Back-pressure and caps</h2>
 * A chunk the merge stage refuses ({@link Admission#OVERLOADED}) waits in a FIFO and is offered again
 * every tick, before any newer chunk. Its documents already count as delivered context, so later
 * chunks of the same trace never repeat its spans. Buffered = pending + held + waiting chunks,
 * bounded by {@code maxTraces}, {@code maxDocuments} and {@code maxBytes}; a document that would
 * exceed a cap first makes room, in this order: offer the waiting chunks again; while the merge
 * stage still refuses, drop the oldest waiting chunk (its spans counted in the ledger as
 * {@code RECEIVE/OVERLOADED}); else flush the oldest assembling trace early (counted); else evict the
 * oldest held in-progress document (counted). The new document is always taken: the oldest data
 * gives way.
 *
 * <p>Not thread-safe: confined to one thread (the listener's assembler thread). Time is passed in as
 * monotonic nanoseconds, so tests drive it.
 */
final class TraceAssembler {

  private static final Logger log = LoggerFactory.getLogger(TraceAssembler.class);

  private final DaemonSettings settings;
  private final TraceConverter converter;
  private final XRaySink sink;
  private final Ledger ledger;
  private final DaemonMetrics metrics;
  private final long quietNanos;
  private final long windowNanos;
  private final long orphanNanos;
  private final long inProgressNanos;
  private final long heldRetryNanos;
  private final long ttlNanos;

  /** Every trace with pending, held or context documents, by lower-case trace id. */
  private final Map<String, TraceState> traces = new HashMap<>();
  /** Traces with pending documents, oldest first pending piece first. */
  private final LinkedHashMap<String, TraceState> open = new LinkedHashMap<>();
  /** Traces with context, least recently delivered first. */
  private final LinkedHashMap<String, TraceState> contextOrder = new LinkedHashMap<>();
  /** Held in-progress documents, earliest retry first. */
  private final TreeSet<Held> heldQueue =
      new TreeSet<>(Comparator.comparingLong((Held h) -> h.due).thenComparingLong(h -> h.seq));
  /** Chunks the merge stage refused, oldest first. */
  private final ArrayDeque<Chunk> awaiting = new ArrayDeque<>();

  private long seq;
  private int activeTraces;
  private int pendingDocs;
  private long pendingBytes;
  private int heldDocs;
  private long heldBytes;
  private int awaitingDocs;
  private long awaitingBytes;
  private long contextBytes;

  TraceAssembler(DaemonSettings settings, TraceConverter converter, XRaySink sink, Ledger ledger, DaemonMetrics metrics) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.converter = Objects.requireNonNull(converter, "converter == null");
    this.sink = Objects.requireNonNull(sink, "sink == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    this.quietNanos = settings.quietPeriod().toNanos();
    this.windowNanos = settings.assemblyWindow().toNanos();
    this.orphanNanos = settings.orphanWindow().toNanos();
    this.inProgressNanos = settings.inProgressTimeout().toNanos();
    this.heldRetryNanos = Math.max(inProgressNanos / 10, settings.tick().toNanos());
    this.ttlNanos = settings.deliveredTtl().toNanos();
  }

  /** Takes one accepted document. */
  void add(DaemonDocument doc, long now) {
    String key = doc.traceId().toLowerCase(Locale.ROOT);
    TraceState t = traces.get(key);
    if (t != null && !replaces(t, doc)) {
      publish();
      return;
    }
    makeRoomFor(key, doc, now);
    t = traces.get(key);
    if (t == null) {
      t = new TraceState(key, doc.traceId());
      traces.put(key, t);
    }
    if (t.pending.isEmpty()) {
      t.firstArrival = now;
      open.put(key, t);
    }
    t.lastArrival = now;
    t.pending.put(doc.id(), doc);
    if (doc.segment()) t.pendingSegments++;
    pendingDocs++;
    pendingBytes += doc.bytes();
    touch(t);
    publish();
  }

  /**
   * Flushes the traces that are due, offers waiting chunks again, retries held in-progress documents
   * that reached their timeout, and forgets context past its TTL. Called every tick.
   */
  void tick(long now) {
    retryAwaiting();
    while (!heldQueue.isEmpty() && heldQueue.first().due <= now) {
      flush(heldQueue.first().trace, FlushReason.IN_PROGRESS, now);
    }
    List<TraceState> due = null;
    List<FlushReason> reasons = null;
    for (TraceState t : open.values()) {
      FlushReason r = dueReason(t, now);
      if (r == null) continue;
      if (due == null) {
        due = new ArrayList<>();
        reasons = new ArrayList<>();
      }
      due.add(t);
      reasons.add(r);
    }
    if (due != null) {
      for (int i = 0; i < due.size(); i++) flush(due.get(i), reasons.get(i), now);
    }
    Iterator<TraceState> it = contextOrder.values().iterator();
    while (it.hasNext()) {
      TraceState t = it.next();
      if (now - t.lastDelivery < ttlNanos) break;
      it.remove();
      clearContext(t);
      touch(t);
    }
    // a flush can add a waiting chunk for a trace that stays buffered (its held documents)
    while (overCaps(0, 0, false) && makeRoom(now)) {
      // each round frees something
    }
    metrics.maybeLogRejections(now);
    publish();
  }

  /**
   * At stop: converts everything assembling, and gives up the held in-progress documents (the
   * converter would hold them again). Waiting chunks stay for {@link #retryAwaiting()} until the
   * caller's deadline, then {@link #dropAwaiting()}.
   */
  void flushForStop(long now) {
    for (TraceState t : new ArrayList<>(open.values())) flush(t, FlushReason.STOP, now);
    while (!heldQueue.isEmpty()) {
      Held h = heldQueue.first();
      unhold(h);
      giveUpHeld(DocumentOutcome.DROPPED_SHUTDOWN);
      touch(h.trace);
    }
    publish();
  }

  /** Offers the waiting chunks, oldest first, until the merge stage refuses one. True when none is left. */
  boolean retryAwaiting() {
    while (!awaiting.isEmpty()) {
      Chunk c = awaiting.peekFirst();
      if (!offer(c)) break;
      awaiting.pollFirst();
      awaitingDocs -= c.documents;
      awaitingBytes -= c.bytes;
    }
    publish();
    return awaiting.isEmpty();
  }

  /** Drops every waiting chunk, counting its spans as {@code RECEIVE/SHUTDOWN}. */
  void dropAwaiting() {
    while (!awaiting.isEmpty()) dropOldestAwaiting(Ledger.Reason.SHUTDOWN, DocumentOutcome.DROPPED_SHUTDOWN);
    publish();
  }

  int bufferedTraces() {
    return activeTraces + awaiting.size();
  }

  int bufferedDocuments() {
    return pendingDocs + heldDocs + awaitingDocs;
  }

  long bufferedBytes() {
    return pendingBytes + heldBytes + awaitingBytes;
  }

  // ---- arrival -------------------------------------------------------------------------------------

  /**
   * Resolves a document whose trace is known against the versions already there. False when the
   * document is not taken (counted here).
   */
  private boolean replaces(TraceState t, DaemonDocument doc) {
    DaemonDocument pending = t.pending.get(doc.id());
    if (pending != null) {
      if (!pending.inProgress()) return rejectRepeat(doc);
      // a later version of an in-progress document replaces it
      t.pending.remove(doc.id());
      if (pending.segment()) t.pendingSegments--;
      pendingDocs--;
      pendingBytes -= pending.bytes();
      if (t.pending.isEmpty()) open.remove(t.key);
      metrics.documents(DocumentOutcome.SUPERSEDED, 1);
      touch(t);
      return true;
    }
    Held held = t.held.get(doc.id());
    if (held != null) {
      unhold(held);
      metrics.documents(DocumentOutcome.SUPERSEDED, 1);
      touch(t);
      return true;
    }
    if (t.context.containsKey(doc.id())) return rejectRepeat(doc);
    return true;
  }

  /** The id is complete already: an in-progress version is outdated, a complete one a duplicate. */
  private boolean rejectRepeat(DaemonDocument doc) {
    if (doc.inProgress()) {
      metrics.documents(DocumentOutcome.SUPERSEDED, 1);
    } else {
      metrics.documents(DocumentOutcome.DUPLICATE, 1);
      ledger.documentRejected(Half.XRAY_DAEMON, DocumentReason.DUPLICATE_ID);
    }
    return false;
  }

  private void makeRoomFor(String key, DaemonDocument doc, long now) {
    while (true) {
      TraceState t = traces.get(key);
      boolean newTrace = t == null || !t.active();
      if (!overCaps(1, doc.bytes(), newTrace) || !makeRoom(now)) return;
    }
  }

  /** Whether adding {@code documents}, {@code bytes} (and a trace) would exceed a cap. */
  private boolean overCaps(int documents, long bytes, boolean newTrace) {
    return bufferedDocuments() + documents > settings.maxDocuments()
        || bufferedBytes() + bytes > settings.maxBytes()
        || bufferedTraces() + (newTrace ? 1 : 0) > settings.maxTraces();
  }

  /** Frees something (see the class comment for the order). False when nothing is buffered. */
  private boolean makeRoom(long now) {
    if (!awaiting.isEmpty()) {
      int before = awaiting.size();
      retryAwaiting();
      if (awaiting.size() < before) return true;
      dropOldestAwaiting(Ledger.Reason.OVERLOADED, DocumentOutcome.DROPPED_OVERLOADED);
      return true;
    }
    if (!open.isEmpty()) {
      flush(open.values().iterator().next(), FlushReason.EARLY, now);
      return true;
    }
    if (!heldQueue.isEmpty()) {
      Held h = heldQueue.first();
      unhold(h);
      giveUpHeld(DocumentOutcome.DROPPED_IN_PROGRESS);
      touch(h.trace);
      return true;
    }
    return false;
  }

  private FlushReason dueReason(TraceState t, long now) {
    if (t.rooted()) {
      if (now - t.lastArrival >= quietNanos) return FlushReason.QUIET;
      if (now - t.firstArrival >= windowNanos) return FlushReason.WINDOW;
      return null;
    }
    return now - t.firstArrival >= orphanNanos ? FlushReason.ORPHAN : null;
  }

  // ---- conversion ----------------------------------------------------------------------------------

  /** Converts the trace's pending and held documents (with its context) and offers the chunk. */
  private void flush(TraceState t, FlushReason reason, long now) {
    metrics.flushed(reason);
    open.remove(t.key);
    List<SegmentDocument> docs = new ArrayList<>(t.context.size() + t.held.size() + t.pending.size());
    for (DaemonDocument d : t.context.values()) docs.add(new SegmentDocument(d.id(), d.json()));
    for (Held h : t.held.values()) docs.add(new SegmentDocument(h.doc.id(), h.doc.json()));
    for (DaemonDocument d : t.pending.values()) docs.add(new SegmentDocument(d.id(), d.json()));
    ConvertedTrace converted;
    try {
      converted = converter.convert(new XRayDocuments(t.xrayTraceId, docs, Half.XRAY_DAEMON, false, t.context.keySet()));
    } catch (RuntimeException e) {
      log.error("converting X-Ray trace {} failed; its {} new document(s) are dropped", t.xrayTraceId,
          t.pending.size() + t.held.size(), e);
      metrics.documents(DocumentOutcome.DROPPED_ERROR, t.pending.size() + t.held.size());
      clearPending(t);
      for (Held h : new ArrayList<>(t.held.values())) unhold(h);
      touch(t);
      return;
    }
    Set<String> emittedIds = converted.emittedSegmentIds();
    Set<String> heldIds = converted.heldSegmentIds();
    List<DaemonDocument> emitted = new ArrayList<>();
    long rejected = 0;
    for (DaemonDocument d : t.pending.values()) {
      if (emittedIds.contains(d.id())) emitted.add(d);
      else if (heldIds.contains(d.id())) hold(t, d, now);
      else rejected++; // counted with its reason by the converter
    }
    clearPending(t);
    for (Held h : new ArrayList<>(t.held.values())) {
      if (emittedIds.contains(h.doc.id())) {
        unhold(h);
        emitted.add(h.doc);
      } else if (!heldIds.contains(h.doc.id())) {
        unhold(h);
        rejected++;
      } else if (h.due <= now) {
        retryOrGiveUp(h, now);
      }
    }
    metrics.documents(DocumentOutcome.REJECTED, rejected);
    long bytes = 0;
    for (int i = 0; i < emitted.size(); i++) bytes += emitted.get(i).bytes();
    if (!emitted.isEmpty()) remember(t, emitted, now);
    touch(t);
    if (emitted.isEmpty()) return;
    if (converted.spans().isEmpty()) {
      metrics.documents(DocumentOutcome.DELIVERED, emitted.size());
      return;
    }
    Chunk c = new Chunk(converted, emitted.size(), bytes);
    if (awaiting.isEmpty() && offer(c)) return;
    awaiting.addLast(c);
    awaitingDocs += c.documents;
    awaitingBytes += c.bytes;
  }

  /** True when the chunk left this stage (accepted, or dropped on an unexpected failure). */
  private boolean offer(Chunk c) {
    Admission a;
    try {
      a = sink.offer(c.converted);
    } catch (RuntimeException e) {
      log.error("the merge stage failed on X-Ray trace {}; its {} span(s) are dropped", c.converted.xrayTraceId(),
          c.converted.spans().size(), e);
      ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.INTERNAL, c.converted.spans().size());
      metrics.documents(DocumentOutcome.DROPPED_ERROR, c.documents);
      return true;
    }
    if (a != Admission.ACCEPTED) return false;
    metrics.documents(DocumentOutcome.DELIVERED, c.documents);
    return true;
  }

  private void dropOldestAwaiting(Ledger.Reason reason, DocumentOutcome outcome) {
    Chunk c = awaiting.pollFirst();
    awaitingDocs -= c.documents;
    awaitingBytes -= c.bytes;
    ledger.dropped(Ledger.Stage.RECEIVE, reason, c.converted.spans().size());
    metrics.documents(outcome, c.documents);
  }

  // ---- held in-progress documents ------------------------------------------------------------------

  private void hold(TraceState t, DaemonDocument d, long now) {
    Held h = new Held(t, d, now, now + inProgressNanos, seq++);
    t.held.put(d.id(), h);
    if (d.segment()) t.heldSegments++;
    heldQueue.add(h);
    heldDocs++;
    heldBytes += d.bytes();
  }

  private void unhold(Held h) {
    h.trace.held.remove(h.doc.id());
    if (h.doc.segment()) h.trace.heldSegments--;
    heldQueue.remove(h);
    heldDocs--;
    heldBytes -= h.doc.bytes();
  }

  /** The converter still holds a document past its timeout: try again a little later, up to twice the timeout. */
  private void retryOrGiveUp(Held h, long now) {
    heldQueue.remove(h);
    if (now - h.arrival >= 2 * inProgressNanos) {
      unheldAfterRemoval(h);
      giveUpHeld(DocumentOutcome.DROPPED_IN_PROGRESS);
      return;
    }
    h.due = now + heldRetryNanos;
    h.seq = seq++;
    heldQueue.add(h);
  }

  private void unheldAfterRemoval(Held h) {
    h.trace.held.remove(h.doc.id());
    if (h.doc.segment()) h.trace.heldSegments--;
    heldDocs--;
    heldBytes -= h.doc.bytes();
  }

  private void giveUpHeld(DocumentOutcome outcome) {
    metrics.documents(outcome, 1);
    ledger.documentRejected(Half.XRAY_DAEMON, DocumentReason.EVICTED);
  }

  // ---- context -------------------------------------------------------------------------------------

  private void remember(TraceState t, List<DaemonDocument> delivered, long now) {
    for (int i = 0; i < delivered.size(); i++) {
      DaemonDocument d = delivered.get(i);
      if (t.context.put(d.id(), d) == null) {
        t.contextBytes += d.bytes();
        contextBytes += d.bytes();
        if (d.segment()) t.contextHasSegment = true;
      }
    }
    t.lastDelivery = now;
    contextOrder.remove(t.key);
    contextOrder.put(t.key, t);
    Iterator<TraceState> it = contextOrder.values().iterator();
    while (contextBytes > settings.maxContextBytes() && it.hasNext()) {
      TraceState oldest = it.next();
      it.remove();
      clearContext(oldest);
      if (oldest != t) touch(oldest);
    }
  }

  private void clearContext(TraceState t) {
    contextBytes -= t.contextBytes;
    t.contextBytes = 0;
    t.context.clear();
    t.contextHasSegment = false;
  }

  // ---- bookkeeping ---------------------------------------------------------------------------------

  private void clearPending(TraceState t) {
    for (DaemonDocument d : t.pending.values()) {
      pendingDocs--;
      pendingBytes -= d.bytes();
    }
    t.pending.clear();
    t.pendingSegments = 0;
    open.remove(t.key);
  }

  /** Keeps {@link #activeTraces} right and forgets a trace that holds nothing any more. */
  private void touch(TraceState t) {
    boolean active = t.active();
    if (active != t.countedActive) {
      activeTraces += active ? 1 : -1;
      t.countedActive = active;
    }
    if (!active && t.context.isEmpty()) {
      traces.remove(t.key);
      contextOrder.remove(t.key);
    }
  }

  private void publish() {
    metrics.bufferedTraces.set(bufferedTraces());
    metrics.bufferedDocuments.set(bufferedDocuments());
    metrics.bufferedBytes.set(bufferedBytes());
    metrics.awaitingChunks.set(awaiting.size());
    metrics.heldInProgress.set(heldDocs);
    metrics.contextTraces.set(contextOrder.size());
    metrics.contextBytes.set(contextBytes);
  }

  private static final class TraceState {
    final String key;
    /** The trace id as the first document wrote it. */
    final String xrayTraceId;
    final LinkedHashMap<String, DaemonDocument> pending = new LinkedHashMap<>();
    final LinkedHashMap<String, Held> held = new LinkedHashMap<>();
    final LinkedHashMap<String, DaemonDocument> context = new LinkedHashMap<>();
    int pendingSegments;
    int heldSegments;
    boolean contextHasSegment;
    long contextBytes;
    long firstArrival;
    long lastArrival;
    long lastDelivery;
    boolean countedActive;

    TraceState(String key, String xrayTraceId) {
      this.key = key;
      this.xrayTraceId = xrayTraceId;
    }

    boolean active() {
      return !pending.isEmpty() || !held.isEmpty();
    }

    /** Has a segment somewhere: its subsegments can be given the right service now. */
    boolean rooted() {
      return pendingSegments > 0 || heldSegments > 0 || contextHasSegment;
    }
  }

  private static final class Held {
    final TraceState trace;
    final DaemonDocument doc;
    final long arrival;
    long due;
    long seq;

    Held(TraceState trace, DaemonDocument doc, long arrival, long due, long seq) {
      this.trace = trace;
      this.doc = doc;
      this.arrival = arrival;
      this.due = due;
      this.seq = seq;
    }
  }

  private record Chunk(ConvertedTrace converted, int documents, long bytes) {}
}
