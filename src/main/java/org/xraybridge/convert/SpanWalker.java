package org.xraybridge.convert;

import java.util.List;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.convert.Segment.Kind;
import org.xraybridge.convert.SegmentRules.Broken;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.Names;
import org.xraybridge.model.Span;
import org.xraybridge.model.TimeCodec;

/**
 * Walks a top-level document and its subsegments into spans, depth-first in document order
 * (docs/conversion.md §3): judges each nested subsegment by the rules of §0 (a bad one is dropped
 * with its subtree), settles ids, times and their repairs (§1–§2), skips inferred segments and
 * datadog-metadata subsegments (§3, §6), and hands each (sub)segment to the {@link SpanMapper}.
 * Confined to one run.
 */
final class SpanWalker {

  private static final String IN_PROGRESS = "aws.xray.in_progress";

  private final SpanMapper mapper;
  private final TraceContext trace;
  private final Findings findings;
  private final long now;
  private final boolean keepInferred;
  private final LongSet usedSpanIds = new LongSet();
  /** Built on the first datadog-metadata subsegment or context document; most traces have neither. */
  private DatadogMetadata datadog;
  /** Built on the first skipped inferred segment; most traces have none. */
  private InferredSegments inferred;
  /** Of the document being walked: every span made from it gets its service and version. */
  private String service = "";
  private String version = "";

  SpanWalker(SpanMapper mapper, TraceContext trace, Findings findings, long now, boolean keepInferred) {
    this.mapper = mapper;
    this.trace = trace;
    this.findings = findings;
    this.now = now;
    this.keepInferred = keepInferred;
  }

  DatadogContext datadog() {
    return datadog == null ? DatadogContext.NONE : datadog.context();
  }

  /** {@code spans} with the skipped inferred segments applied; call once every document is walked. */
  List<Span> withInferredApplied(List<Span> spans) {
    return inferred == null ? spans : inferred.apply(spans);
  }

  /** The spans of {@code t} into {@code out}; {@code expired}: still in progress, but held long enough. */
  void emit(TopDocument t, String service, boolean expired, List<Span> out) {
    Segment s = t.segment();
    if (DatadogMetadata.is(s)) {
      datadogMetadata().capture(s, t.parentId());
      return;
    }
    boolean isSegment = !s.isSubsegmentDocument();
    if (isSegment && s.inferred() && !keepInferred) {
      inferred().skip(t.spanId(), t.parentId(), s.name());
      usedSpanIds.add(t.spanId());
      return;
    }
    this.service = service;
    this.version = versionOf(s);
    long end = expired ? Math.max(t.startNanos(), latestEnd(s, t.startNanos())) : t.endNanos();
    emit(s, isSegment, t.spanId(), t.parentId(), t.startNanos(), end, expired, out);
  }

  /**
   * A document delivered with an earlier chunk, given again as context: it yields no span, but its
   * inferred segment still names a peer and its datadog-metadata still re-keys the new chunk.
   */
  void context(TopDocument t) {
    Segment s = t.segment();
    if (s.inferred() && !keepInferred) inferred().skip(t.spanId(), t.parentId(), s.name());
    datadogMetadata().scan(s, t.parentId(), t.spanId());
  }

  private DatadogMetadata datadogMetadata() {
    if (datadog == null) datadog = new DatadogMetadata(findings);
    return datadog;
  }

  private InferredSegments inferred() {
    if (inferred == null) inferred = new InferredSegments();
    return inferred;
  }

  /** The span of one (sub)segment, then those of its subsegments. */
  private void emit(Segment s, boolean isSegment, long spanId, long parentId, long start, long end, boolean inProgress, List<Span> out) {
    usedSpanIds.add(spanId);
    long duration = end - start;
    if (duration < 0) {
      duration = 0;
      findings.repaired("negative_duration");
    }
    boolean startRepaired = start < TimeCodec.YEAR_2000_NANOS;
    if (startRepaired) {
      // the Datadog Agent's own repair: keep the duration, end it now
      start = now - duration;
      findings.repaired("absurd_start");
    }
    String name = Names.withoutControlCharacters(s.name());
    if (!name.equals(s.name())) findings.repaired("control_characters");
    Span.Builder b = mapper.map(s, new Placement(name, isSegment, spanId, parentId, start, duration, service, version), trace);
    if (startRepaired) b.putMeta("aws.xray.original_start_time", s.startTime());
    if (inProgress) b.putMeta(IN_PROGRESS, "true");
    out.add(b.build());
    List<Segment> subs = s.subsegments();
    for (int i = 0; i < subs.size(); i++) subsegment(subs.get(i), spanId, end, out);
  }

  private void subsegment(Segment s, long parentId, long parentEnd, List<Span> out) {
    try {
      SegmentRules.requireIdNameStart(s, "subsegment");
      long spanId = SegmentRules.spanId(s.id(), "subsegment id");
      long start = SegmentRules.nanos(s.startTime());
      SegmentRules.notInFuture(start, s.startTime(), now);
      if (usedSpanIds.contains(spanId)) {
        throw new Broken(DocumentReason.DUPLICATE_ID, "Duplicate id: '" + s.id() + "' appears twice in trace " + trace.xrayTraceId());
      }
      if (DatadogMetadata.is(s)) {
        usedSpanIds.add(spanId);
        datadogMetadata().capture(s, parentId);
        return;
      }
      boolean inProgress = s.inProgress() || s.endTime().isEmpty();
      long end;
      if (inProgress) {
        long childEnd = latestEnd(s, Long.MIN_VALUE);
        end = childEnd != Long.MIN_VALUE ? childEnd : Math.max(parentEnd, start);
      } else {
        end = SegmentRules.nanos(s.endTime());
      }
      emit(s, false, spanId, parentId, start, end, inProgress, out);
    } catch (Broken b) {
      findings.dropSubtree(s.id(), b.reason(), b.getMessage());
    }
  }

  /** Latest end_time among the descendants of {@code s}; {@code fallback} when none has one. */
  private static long latestEnd(Segment s, long fallback) {
    long latest = fallback;
    List<Segment> subs = s.subsegments();
    for (int i = 0; i < subs.size(); i++) {
      Segment sub = subs.get(i);
      if (!sub.endTime().isEmpty() && !sub.inProgress()) {
        try {
          latest = Math.max(latest, TimeCodec.nanos(sub.endTime()));
        } catch (TimeCodec.TimeFormatException e) {
          // counted where the subsegment itself is emitted
        }
      }
      latest = Math.max(latest, latestEnd(sub, latest));
    }
    return latest;
  }

  /** {@code service.version} of a document: meta {@code version} on every span made from it (§5). */
  private static String versionOf(Segment s) {
    List<Entry> entries = s.service();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.key().equals("version") && e.kind() != Kind.JSON) return e.text();
    }
    return "";
  }
}
