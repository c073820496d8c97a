package org.xraybridge.convert;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Names;

/**
 * The service of each top-level document, docs/conversion.md §4: S for a segment, and for an
 * independent subsegment P, the service of the span its {@code parent_id} names when that span is in
 * the trace, else S of its own name. Immutable and thread-safe.
 */
final class Services {

  /** Normalised service → new name, {@code bridge.convert.service-mapping}. */
  private final Map<String, String> mapping;

  Services(Map<String, String> mapping) {
    this.mapping = mapping;
  }

  /** S: a segment's service, normalised, then mapped. */
  String segmentService(String rawName) {
    String normalised = Names.service(Names.withoutControlCharacters(rawName));
    String mapped = mapping.get(normalised);
    return mapped == null ? normalised : Names.service(mapped);
  }

  /** The services of {@code tops}, index for index: segments first, then independent subsegments. */
  String[] resolve(List<TopDocument> tops) {
    String[] services = new String[tops.size()];
    boolean independents = false;
    for (int i = 0; i < tops.size(); i++) independents |= tops.get(i).segment().isSubsegmentDocument();
    // only an independent subsegment ever asks for another span's service
    Map<Long, String> bySpanId = independents ? new HashMap<>() : Map.of();
    int pending = 0;
    for (int i = 0; i < tops.size(); i++) {
      TopDocument t = tops.get(i);
      if (t.segment().isSubsegmentDocument()) {
        pending++;
      } else {
        services[i] = segmentService(t.segment().name());
        if (independents) record(t.segment(), t.spanId(), services[i], bySpanId);
      }
    }
    // a parent may itself be an independent subsegment resolved in an earlier pass
    boolean progress = true;
    while (pending > 0 && progress) {
      progress = false;
      for (int i = 0; i < tops.size(); i++) {
        TopDocument t = tops.get(i);
        if (services[i] != null) continue;
        String parentService = bySpanId.get(t.parentId());
        if (parentService != null) {
          services[i] = parentService;
          record(t.segment(), t.spanId(), parentService, bySpanId);
          pending--;
          progress = true;
        }
      }
    }
    for (int i = 0; i < tops.size() && pending > 0; i++) {
      TopDocument t = tops.get(i);
      if (services[i] != null) continue;
      services[i] = segmentService(t.segment().name());
      record(t.segment(), t.spanId(), services[i], bySpanId);
      pending--;
    }
    return services;
  }

  private static void record(Segment s, long spanId, String service, Map<Long, String> bySpanId) {
    bySpanId.putIfAbsent(spanId, service);
    List<Segment> subs = s.subsegments();
    for (int i = 0; i < subs.size(); i++) {
      Segment sub = subs.get(i);
      try {
        record(sub, IdCodec.parseHex64(sub.id(), "id"), service, bySpanId);
      } catch (IdCodec.IdFormatException e) {
        // a bad nested id is judged where the subsegment is emitted
      }
    }
  }
}
