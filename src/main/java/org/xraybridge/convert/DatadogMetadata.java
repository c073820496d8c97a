package org.xraybridge.convert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;

/**
 * The trace's {@link DatadogContext}, from the first {@code datadog-metadata} subsegment that carries
 * one (docs/conversion.md §6). Confined to one run.
 */
final class DatadogMetadata {

  static final String NAME = "datadog-metadata";

  private final Findings findings;
  private DatadogContext context = DatadogContext.NONE;

  DatadogMetadata(Findings findings) {
    this.findings = findings;
  }

  DatadogContext context() {
    return context;
  }

  static boolean is(Segment s) {
    return NAME.equals(s.name());
  }

  /** Reads {@code s}, a datadog-metadata subsegment under the span {@code parentSpanId}. */
  void capture(Segment s, long parentSpanId) {
    Segment.DatadogBlock d = s.datadog();
    if (!d.present() || context.present()) return;
    try {
      long traceId = Long.parseUnsignedLong(d.traceId().strip());
      long parentId = d.parentId().isBlank() ? 0 : Long.parseUnsignedLong(d.parentId().strip());
      int priority = d.samplingPriority().isBlank() ? Priority.NONE : (int) Double.parseDouble(d.samplingPriority().strip());
      Map<String, String> tags = new LinkedHashMap<>();
      List<Entry> functionTags = d.functionTags();
      for (int i = 0; i < functionTags.size(); i++) tags.put(functionTags.get(i).key(), functionTags.get(i).text());
      context = new DatadogContext(traceId, parentId, priority, tags, parentSpanId);
    } catch (NumberFormatException e) {
      findings.repaired("bad_datadog_metadata");
    }
  }

  /** A context document emits nothing, but its datadog-metadata still re-keys the new chunk: find it. */
  void scan(Segment s, long parentSpanId, long spanId) {
    if (is(s)) {
      capture(s, parentSpanId);
      return;
    }
    List<Segment> subs = s.subsegments();
    for (int i = 0; i < subs.size(); i++) {
      Segment sub = subs.get(i);
      try {
        scan(sub, spanId, IdCodec.parseHex64(sub.id(), "id"));
      } catch (IdCodec.IdFormatException e) {
        // judged when the document was new
      }
    }
  }
}
