package org.xraybridge.source.daemon;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * The traces the daemon port is assembling: each trace's documents wait together and are converted
 * as one chunk when the trace looks complete — it has a segment (pending, held or delivered) and
 * nothing arrived for the quiet period, or the assembly window since its first pending piece closed;
 * without any segment (streamed subsegments of a request still running), when the orphan window
 * closed. Held in-progress documents ({@link HeldDocuments}), delivered context
 * ({@link DeliveredContext}) and chunks the merge stage refused ({@link AwaitingChunks}) stay here too.
 *
 * <p>Buffered = pending + held + waiting chunks, bounded by {@code maxTraces}, {@code maxDocuments}
 * and {@code maxBytes}. A document that would exceed a cap first makes room, oldest data first: offer
 * the waiting chunks again; while the merge stage still refuses, drop the oldest one; else convert the
 * oldest assembling trace early; else give up the oldest held document. The new document is always
 * taken. docs/xray-source.md "The daemon input".
 *
 * <p>Not thread-safe: confined to the listener's assembler thread; time is passed in as monotonic
 * nanoseconds. {@link #levels()} may be read from any thread.
 */
final class PendingTraces {

  private static final Logger log = LoggerFactory.getLogger(PendingTraces.class);

  private final DaemonSettings settings;
  private final TraceConverter converter;
  private final Ledger ledger;
  private final DaemonMetrics metrics;
  private final long quietNanos;
  private final long windowNanos;
  private final long orphanNanos;
  private final HeldDocuments held;
  private final DeliveredContext context;
  private final AwaitingChunks awaiting;

  /** Every trace with pending, held or context documents, by lower-case trace id. */
  private final Map<String, PendingTrace> traces = new HashMap<>();
  /** Traces with pending documents, oldest first pending piece first. */
  private final LinkedHashMap<String, PendingTrace> open = new LinkedHashMap<>();

  private int activeTraces;
  private int pendingDocs;
  private long pendingBytes;
  private volatile DaemonLevels levels = DaemonLevels.EMPTY;

  PendingTraces(DaemonSettings settings, TraceConverter converter, XRaySink sink, Ledger ledger, DaemonMetrics metrics) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.converter = Objects.requireNonNull(converter, "converter == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    DaemonSettings.Tuning tuning = settings.tuning();
    this.quietNanos = tuning.quietPeriod().toNanos();
    this.windowNanos = settings.assemblyWindow().toNanos();
    this.orphanNanos = settings.orphanWindow().toNanos();
    this.held = new HeldDocuments(settings.inProgressTimeout().toNanos(), tuning.tick().toNanos(), ledger, metrics);
    this.context = new DeliveredContext(tuning.deliveredTtl().toNanos(), tuning.maxContextBytes());
    this.awaiting = new AwaitingChunks(Objects.requireNonNull(sink, "sink == null"), ledger, metrics);
  }

  /** Takes one accepted document. */
  void add(DaemonDocument doc, long now) {
    String key = doc.traceId().toLowerCase(Locale.ROOT);
    PendingTrace t = traces.get(key);
    if (t != null && !replaces(t, doc)) {
      publish();
      return;
    }
    makeRoomFor(key, doc, now);
    t = traces.get(key);
    if (t == null) {
      t = new PendingTrace(key, doc.traceId());
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
   * Offers waiting chunks again, converts held documents whose timeout passed and the traces that are
   * due, and forgets context past its ttl. Called every tick.
   */
  void tick(long now) {
    awaiting.retry();
    for (HeldDocuments.Held h = held.first(); h != null && h.due <= now; h = held.first()) {
      flush(h.trace, FlushReason.IN_PROGRESS, now);
    }
    List<PendingTrace> due = null;
    List<FlushReason> reasons = null;
    for (PendingTrace t : open.values()) {
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
    context.expire(now, this::touch);
    // a flush can add a waiting chunk for a trace that stays buffered (its held documents)
    while (overCaps(0, 0, false) && makeRoom(now)) {
      // each round frees something
    }
    publish();
  }

  /**
   * At stop: converts everything assembling, and gives up the held in-progress documents (the
   * converter would hold them again). Waiting chunks stay for {@link #retryAwaiting()} until the
   * caller's deadline, then {@link #dropAwaiting()}.
   */
  void flushForStop(long now) {
    for (PendingTrace t : new ArrayList<>(open.values())) flush(t, FlushReason.STOP, now);
    for (HeldDocuments.Held h = held.first(); h != null; h = held.first()) {
      held.giveUp(h, DocumentOutcome.DROPPED_SHUTDOWN);
      touch(h.trace);
    }
    publish();
  }

  /** Offers the waiting chunks, oldest first, until the merge stage refuses one. True when none is left. */
  boolean retryAwaiting() {
    boolean empty = awaiting.retry();
    publish();
    return empty;
  }

  /** Drops every waiting chunk, counting its spans as {@code RECEIVE/SHUTDOWN}. */
  void dropAwaiting() {
    awaiting.dropAll();
    publish();
  }

  /** What is buffered now, as last published. Any thread. */
  DaemonLevels levels() {
    return levels;
  }

  int bufferedTraces() {
    return activeTraces + awaiting.size();
  }

  int bufferedDocuments() {
    return pendingDocs + held.documents() + awaiting.documents();
  }

  long bufferedBytes() {
    return pendingBytes + held.bytes() + awaiting.bytes();
  }

  // ---- arrival -------------------------------------------------------------------------------------

  /** Resolves a document whose trace is known against the versions already there. False when it is not taken (counted here). */
  private boolean replaces(PendingTrace t, DaemonDocument doc) {
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
    HeldDocuments.Held h = t.held.get(doc.id());
    if (h != null) {
      held.release(h);
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
      PendingTrace t = traces.get(key);
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

  /** Frees something, oldest data first (see the class comment). False when nothing is buffered. */
  private boolean makeRoom(long now) {
    if (!awaiting.isEmpty()) {
      int before = awaiting.size();
      awaiting.retry();
      if (awaiting.size() < before) return true;
      awaiting.dropOldest(Ledger.Reason.OVERLOADED, DocumentOutcome.DROPPED_OVERLOADED);
      return true;
    }
    if (!open.isEmpty()) {
      flush(open.values().iterator().next(), FlushReason.EARLY, now);
      return true;
    }
    HeldDocuments.Held oldest = held.first();
    if (oldest != null) {
      held.giveUp(oldest, DocumentOutcome.DROPPED_IN_PROGRESS);
      touch(oldest.trace);
      return true;
    }
    return false;
  }

  private FlushReason dueReason(PendingTrace t, long now) {
    if (t.rooted()) {
      if (now - t.lastArrival >= quietNanos) return FlushReason.QUIET;
      if (now - t.firstArrival >= windowNanos) return FlushReason.WINDOW;
      return null;
    }
    return now - t.firstArrival >= orphanNanos ? FlushReason.ORPHAN : null;
  }

  // ---- conversion ----------------------------------------------------------------------------------

  /** Converts the trace's pending and held documents (with its context) and offers the chunk. */
  private void flush(PendingTrace t, FlushReason reason, long now) {
    metrics.flushed(reason);
    open.remove(t.key);
    List<SegmentDocument> docs = new ArrayList<>(t.context.size() + t.held.size() + t.pending.size());
    for (DaemonDocument d : t.context.values()) docs.add(new SegmentDocument(d.id(), d.json()));
    for (HeldDocuments.Held h : t.held.values()) docs.add(new SegmentDocument(h.doc.id(), h.doc.json()));
    for (DaemonDocument d : t.pending.values()) docs.add(new SegmentDocument(d.id(), d.json()));
    ConvertedTrace converted;
    try {
      converted = converter.convert(new XRayDocuments(t.xrayTraceId, docs, Half.XRAY_DAEMON, false, t.context.keySet()));
    } catch (RuntimeException e) {
      log.error("converting X-Ray trace {} failed; its {} new document(s) are dropped", t.xrayTraceId,
          t.pending.size() + t.held.size(), e);
      metrics.documents(DocumentOutcome.DROPPED_ERROR, t.pending.size() + t.held.size());
      clearPending(t);
      for (HeldDocuments.Held h : new ArrayList<>(t.held.values())) held.release(h);
      touch(t);
      return;
    }
    Set<String> emittedIds = converted.emittedSegmentIds();
    Set<String> heldIds = converted.heldSegmentIds();
    List<DaemonDocument> emitted = new ArrayList<>();
    long rejected = 0;
    for (DaemonDocument d : t.pending.values()) {
      if (emittedIds.contains(d.id())) emitted.add(d);
      else if (heldIds.contains(d.id())) held.hold(t, d, now);
      else rejected++; // counted with its reason by the converter
    }
    clearPending(t);
    for (HeldDocuments.Held h : new ArrayList<>(t.held.values())) {
      if (emittedIds.contains(h.doc.id())) {
        held.release(h);
        emitted.add(h.doc);
      } else if (!heldIds.contains(h.doc.id())) {
        held.release(h);
        rejected++;
      } else if (h.due <= now) {
        held.retryOrGiveUp(h, now);
      }
    }
    metrics.documents(DocumentOutcome.REJECTED, rejected);
    long bytes = 0;
    for (int i = 0; i < emitted.size(); i++) bytes += emitted.get(i).bytes();
    if (!emitted.isEmpty()) context.remember(t, emitted, now, this::touch);
    touch(t);
    if (emitted.isEmpty()) return;
    if (converted.spans().isEmpty()) {
      metrics.documents(DocumentOutcome.DELIVERED, emitted.size());
      return;
    }
    awaiting.offerOrKeep(new AwaitingChunks.Chunk(converted, emitted.size(), bytes));
  }

  // ---- bookkeeping ---------------------------------------------------------------------------------

  private void clearPending(PendingTrace t) {
    for (DaemonDocument d : t.pending.values()) {
      pendingDocs--;
      pendingBytes -= d.bytes();
    }
    t.pending.clear();
    t.pendingSegments = 0;
    open.remove(t.key);
  }

  /** Keeps {@link #activeTraces} right and forgets a trace that holds nothing any more. */
  private void touch(PendingTrace t) {
    boolean active = t.active();
    if (active != t.countedActive) {
      activeTraces += active ? 1 : -1;
      t.countedActive = active;
    }
    if (!active && t.context.isEmpty()) {
      traces.remove(t.key);
      context.remove(t);
    }
  }

  private void publish() {
    levels = new DaemonLevels(bufferedTraces(), bufferedDocuments(), bufferedBytes(), awaiting.size(), held.documents(),
        context.traces(), context.bytes());
  }
}
