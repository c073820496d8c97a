package org.xraybridge.source.xray;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.source.xray.DeliveredSegments.TraceProgress;
import software.amazon.awssdk.services.xray.model.Segment;
import software.amazon.awssdk.services.xray.model.Trace;

/**
 * Hands one X-Ray trace on exactly once: its documents not delivered yet (by id and text hash) go to
 * the converter, with the delivered ones as context; the spans not handed on before go to the sink
 * as a further chunk of the trace; and only when the sink accepts are they marked delivered — except
 * the in-progress documents the converter held. Runs under the {@link XRayPollState} lock, so what
 * the sink accepted is marked before anything else reads the delivered set. Rejected documents are
 * counted by the converter and never retried. docs/xray-source.md "Exactly once".
 */
final class TraceDelivery {

  private static final Half HALF = Half.XRAY_POLL;

  private final Handover handover;
  private final XRaySourceMetrics metrics;

  TraceDelivery(Handover handover, XRaySourceMetrics metrics) {
    this.handover = handover;
    this.metrics = metrics;
  }

  /**
   * @param revision the revision of the trace's summary, -1 when fetched without one
   * @throws TickAborted#OVERLOADED when the sink is full; nothing of this trace is marked
   */
  void handOn(DeliveredSegments delivered, Trace trace, int revision, Instant now) {
    String traceId = trace.id();
    boolean limitExceeded = Boolean.TRUE.equals(trace.limitExceeded());
    List<Segment> segments = trace.segments();
    metrics.tracePolled(segments.size());
    TraceProgress p = delivered.getOrCreate(traceId);
    if (limitExceeded && !p.limitExceeded) {
      // counted once a trace, however often it is fetched again; its spans carry the cut (docs/conversion.md §1)
      p.limitExceeded = true;
      metrics.limitExceeded();
    }
    List<SegmentDocument> fresh = new ArrayList<>(segments.size());
    List<Long> hashes = new ArrayList<>(segments.size());
    // Delivered documents still go to the converter, as context only: a late document then gets its
    // parent segment's service, the exceptions it refers to and the trace's datadog-metadata.
    List<SegmentDocument> all = new ArrayList<>(segments.size());
    Set<String> context = new HashSet<>();
    int skipped = 0;
    for (Segment s : segments) {
      String id = s.id() == null ? "" : s.id();
      String text = s.document() == null ? "" : s.document();
      long hash = DeliveredSegments.hash(text);
      all.add(new SegmentDocument(id, text));
      if (!id.isEmpty() && p.isDelivered(id, hash)) {
        context.add(id);
        skipped++;
        continue;
      }
      fresh.add(new SegmentDocument(id, text));
      hashes.add(hash);
    }
    metrics.segmentsSkipped(skipped);
    if (fresh.isEmpty()) {
      mark(delivered, p, revision, Set.of(), now);
      return;
    }
    Optional<ConvertedTrace> converted = handover.convert(new XRayDocuments(traceId, all, HALF, limitExceeded, context), fresh.size());
    Set<String> held = converted.map(ConvertedTrace::heldSegmentIds).orElse(Set.of());
    if (converted.isPresent()) p.addSpanIds(handover.offerNew(p, converted.get()));
    int marked = 0;
    for (int i = 0; i < fresh.size(); i++) {
      String id = fresh.get(i).id();
      if (id.isEmpty() || held.contains(id)) continue;
      p.delivered.put(id, hashes.get(i));
      marked++;
    }
    metrics.segmentsDelivered(marked);
    mark(delivered, p, revision, held, now);
  }



  private static void mark(DeliveredSegments delivered, TraceProgress p, int revision, Set<String> held, Instant now) {
    if (held.isEmpty()) {
      p.held = Set.of();
      p.heldSince = Instant.EPOCH;
    } else {
      p.held = Set.copyOf(held);
      if (p.heldSince.equals(Instant.EPOCH)) p.heldSince = now;
    }
    if (revision >= 0) p.revision = revision;
    delivered.update(p);
  }

}
