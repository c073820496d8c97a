package org.xraybridge.source.xray;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.model.XRaySink;
import org.xraybridge.source.xray.DeliveredSegments.TraceProgress;

/**
 * The two steps every path of a source ends with: documents of one trace through a converter, and
 * the spans not handed on before to the sink as a further chunk of the trace. What the paths differ
 * in — which documents are new, what is marked delivered — stays with {@link TraceDelivery} and
 * {@link RecordDelivery}.
 */
final class Handover {

  private static final Logger log = LoggerFactory.getLogger(Handover.class);

  private final TraceConverter converter;
  private final XRaySink sink;
  private final XRaySourceMetrics metrics;

  Handover(TraceConverter converter, XRaySink sink, XRaySourceMetrics metrics) {
    this.converter = converter;
    this.sink = sink;
    this.metrics = metrics;
  }

  /**
   * The converter's result, or empty when it threw: its contract is to count bad input, never to
   * throw, so these documents are skipped and counted rather than failed on every tick.
   *
   * @param fresh how many of the documents were new, the count of a failure
   */
  Optional<ConvertedTrace> convert(XRayDocuments documents, int fresh) {
    try {
      return Optional.of(converter.convert(documents));
    } catch (RuntimeException e) {
      log.error("The converter failed on {} {} documents of trace {}; they are skipped",
          fresh, documents.half().tag(), documents.xrayTraceId().isEmpty() ? "(not read)" : documents.xrayTraceId(), e);
      metrics.converterFailed(fresh);
      return Optional.empty();
    }
  }

  /**
   * Offers the spans of {@code converted} not handed on before, as a further chunk of the trace;
   * returns their ids once the sink accepted them.
   *
   * @throws TickAborted#OVERLOADED when the sink is full
   */
  long[] offerNew(TraceProgress p, ConvertedTrace converted) {
    List<Span> spans = converted.spans();
    List<Span> fresher = new ArrayList<>(spans.size());
    for (int i = 0; i < spans.size(); i++) {
      Span span = spans.get(i);
      if (!p.hasSpan(span.spanId())) fresher.add(span);
    }
    if (fresher.isEmpty()) return new long[0];
    ConvertedTrace chunk = fresher.size() == spans.size() ? converted : withSpans(converted, fresher);
    // received spans are counted by the sink (the merge stage) when it accepts them
    if (sink.offer(chunk) != Admission.ACCEPTED) throw TickAborted.OVERLOADED;
    long[] ids = new long[fresher.size()];
    for (int i = 0; i < fresher.size(); i++) ids[i] = fresher.get(i).spanId();
    return ids;
  }

  private static ConvertedTrace withSpans(ConvertedTrace c, List<Span> spans) {
    return new ConvertedTrace(
        c.xrayTraceId(), c.traceId(), c.half(), spans, c.env(), c.datadog(), c.emittedSegmentIds(),
        c.heldSegmentIds(), c.rejectedSegmentIds());
  }
}
