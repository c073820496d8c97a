package org.xraybridge.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRayDocuments;

/**
 * One call of the converter, in the order of docs/conversion.md: judge the documents (§0), hold or
 * expire the in-progress ones (§2), settle the trace's services and env (§4, §6), walk every
 * document into spans (§3), then apply the skipped inferred segments. Confined to the calling thread.
 */
final class ConversionRun {

  private static final String[] NO_SERVICES = {};

  private final SegmentConverter converter;
  private final XRayDocuments documents;
  private final long now;
  private final Findings findings = new Findings();

  ConversionRun(SegmentConverter converter, XRayDocuments documents, long now) {
    this.converter = converter;
    this.documents = documents;
    this.now = now;
  }

  Conversion convert() {
    DocumentReader reader = new DocumentReader(converter.parser, documents.half(), now, documents.xrayTraceId(), findings);
    List<TopDocument> live = reader.readAll(documents.documents());
    for (int i = 0; i < live.size(); i++) {
      TopDocument t = live.get(i);
      if (t.complete()) continue;
      if (expired(t)) {
        findings.repaired("in_progress_expired");
      } else {
        findings.held(t.id());
      }
    }
    long traceId = 0;
    String env = "";
    String[] services = NO_SERVICES;
    if (!live.isEmpty()) {
      traceId = reader.traceId();
      // held documents still name the services and env of the trace
      services = converter.services.resolve(live);
      env = converter.env.of(live, services);
    }
    String xrayTraceId = reader.xrayTraceId();
    TraceContext trace = new TraceContext(xrayTraceId, traceId, env, documents.limitExceeded(), live, findings);
    SpanWalker walker = new SpanWalker(converter.mapper, trace, findings, now, converter.keepInferred);
    Set<String> delivered = documents.delivered();
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < live.size(); i++) {
      TopDocument t = live.get(i);
      boolean expired = !t.complete() && expired(t);
      if (!t.complete() && !expired) continue; // held
      if (!delivered.isEmpty() && delivered.contains(t.id())) {
        walker.context(t);
        continue;
      }
      walker.emit(t, services[i], expired, spans);
      findings.emitted(t.id());
    }
    spans = walker.withInferredApplied(spans);
    findings.forgetDelivered(delivered);
    ConvertedTrace converted = new ConvertedTrace(xrayTraceId, traceId, documents.half(), spans, env, walker.datadog(),
        findings.emittedIds(), findings.heldIds(), findings.rejectedIds());
    return new Conversion(converted, findings.rejections(), findings.repairs());
  }

  /** In progress and held long enough: emitted as it is (§2). */
  private boolean expired(TopDocument t) {
    return now - t.startNanos() > converter.inProgressTimeoutNanos;
  }
}
