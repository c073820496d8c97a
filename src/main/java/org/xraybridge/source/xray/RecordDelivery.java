package org.xraybridge.source.xray;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.source.xray.DeliveredSegments.TraceProgress;
import org.xraybridge.source.xray.XRayCheckpoint.HeldEvent;

/**
 * Hands on the span records of one trace read from {@code aws/spans}, exactly once, in the delivered
 * set the X-Ray paths use too: an OTel {@code spanId} is the X-Ray segment id, so a span delivered by
 * BatchGetTraces before a switch, or by an earlier window's overlap, is given to the converter as
 * context only and not sent again. What the sink accepts is marked before the lock is released; a
 * rejected record is marked too, so a re-read does not count it twice; an in-progress record is kept
 * ({@link HeldEvents}) and offered again. Runs under the {@link XRayPollState} lock.
 * docs/xray-source.md "Transaction Search".
 */
final class RecordDelivery {

  /** The delivered-set key of a record whose trace could not be read: one entry per such event. */
  static final String LONE = "event:";

  private final Handover handover;
  private final XRaySourceMetrics metrics;

  RecordDelivery(Handover handover, XRaySourceMetrics metrics) {
    this.handover = handover;
    this.metrics = metrics;
  }

  /**
   * @param traceKey the trace's X-Ray id, or {@code ""} for one event whose trace could not be read
   * @throws TickAborted#OVERLOADED when the sink is full; nothing of this trace is marked
   */
  void handOn(DeliveredSegments delivered, HeldEvents held, String traceKey, List<LogEvent> events, Instant now) {
    String key = traceKey.isEmpty() ? LONE + events.get(0).eventId() : traceKey;
    TraceProgress known = delivered.get(key);
    if (known != null && allSeen(known, held, events)) {
      // every record was handed on or judged before (a re-read of the overlap): nothing to convert again
      metrics.segmentsSkipped(events.size());
      return;
    }
    TraceProgress p = known != null ? known : delivered.getOrCreate(key);
    List<LogEvent> all = new ArrayList<>(events);
    if (!traceKey.isEmpty()) {
      // held records go along: a complete record of the same span then supersedes its in-progress one
      Set<String> here = new HashSet<>();
      for (LogEvent e : events) here.add(e.eventId());
      for (HeldEvent h : held.ofTrace(traceKey)) {
        if (!here.contains(h.eventId())) all.add(new LogEvent(h.eventId(), 0, h.message(), EventScan.of(h.message())));
      }
    }
    List<SegmentDocument> docs = new ArrayList<>(all.size());
    for (LogEvent e : all) docs.add(new SegmentDocument(e.eventId(), e.message()));
    Optional<ConvertedTrace> result = handover.convert(new XRayDocuments(traceKey, docs, Half.XRAY_LOGS, false, context(p)), docs.size());
    if (result.isEmpty()) {
      // skipped, and marked so that a re-read of the window does not convert them again
      for (LogEvent ev : all) {
        p.delivered.put(ev.eventId(), 0L);
        held.release(ev.eventId());
      }
      delivered.update(p);
      return;
    }
    ConvertedTrace converted = result.get();
    p.addSpanIds(handover.offerNew(p, converted));
    for (String id : converted.emittedSegmentIds()) p.delivered.put(id, 0L);
    for (String id : converted.rejectedSegmentIds()) p.delivered.put(id.toLowerCase(Locale.ROOT), 0L);
    Set<String> stillHeld = converted.heldSegmentIds();
    for (LogEvent e : all) {
      if (!e.ids().spanId().isEmpty() && stillHeld.contains(e.ids().spanId())) {
        held.hold(new HeldEvent(e.eventId(), key, e.ids().spanId(), e.message(), now));
      } else {
        held.release(e.eventId());
      }
    }
    metrics.segmentsDelivered(converted.emittedSegmentIds().size());
    delivered.update(p);
  }

  /**
   * Whether every event was handed on or rejected before and none is held: its span id (or, for a
   * record whose trace could not be read, its event id) is in the trace's delivered set.
   */
  private static boolean allSeen(TraceProgress p, HeldEvents held, List<LogEvent> events) {
    if (events.isEmpty()) return false; // a call for held records only
    for (LogEvent e : events) {
      if (held.isHeld(e.eventId())) return false;
      String span = e.ids().spanId();
      boolean seen = p.delivered.containsKey(e.eventId())
          || (!span.isEmpty() && (p.delivered.containsKey(span) || (IdCodec.isHex64(span) && p.hasSpan(IdCodec.parseHex64(span, "spanId")))));
      if (!seen) return false;
    }
    return true;
  }

  /** What was delivered of the trace, as the converter names records: span ids in lower-case hex, and rejected ids. */
  private static Set<String> context(TraceProgress p) {
    long[] spans = p.spanIds();
    Set<String> out = new HashSet<>(p.delivered.size() + spans.length);
    out.addAll(p.delivered.keySet());
    for (long s : spans) out.add(IdCodec.toHex64(s));
    return out;
  }
}
