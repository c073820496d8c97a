package org.xraybridge.testing;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRayDocuments;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stands in for the real converter in the sources' tests: one span per (sub)segment, span id = the
 * segment id's 64 bits; holds an in-progress document until {@code inProgressTimeout} after its start
 * (as the real one does, docs/conversion.md "In progress"); rejects, and counts in the ledger, a
 * document that is not JSON or whose name is {@code "reject-me"}. Records every input it saw.
 */
public final class StubConverter implements TraceConverter {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Ledger ledger;
  private final Clock clock;
  private final Duration inProgressTimeout;
  public final List<XRayDocuments> inputs = new CopyOnWriteArrayList<>();

  /** Ids of the documents of input {@code i} that were new (not given as delivered context). */
  public List<String> newIds(int i) {
    XRayDocuments d = inputs.get(i);
    return d.documents().stream().map(SegmentDocument::id).filter(id -> !d.delivered().contains(id)).toList();
  }

  public StubConverter(Ledger ledger, Clock clock, Duration inProgressTimeout) {
    this.ledger = ledger;
    this.clock = clock;
    this.inProgressTimeout = inProgressTimeout;
  }

  @Override
  public ConvertedTrace convert(XRayDocuments documents) {
    inputs.add(documents);
    List<Span> spans = new ArrayList<>();
    Set<String> emitted = new LinkedHashSet<>();
    Set<String> held = new LinkedHashSet<>();
    Set<String> rejected = new LinkedHashSet<>();
    String xrayId = documents.xrayTraceId();
    long traceId = Long.parseUnsignedLong(xrayId.substring(xrayId.length() - 16), 16) & Long.MAX_VALUE;
    for (SegmentDocument d : documents.documents()) {
      if (documents.delivered().contains(d.id())) continue; // context only, as the real converter does
      JsonNode node;
      try {
        node = JSON.readTree(d.json());
      } catch (JacksonException e) {
        node = null;
      }
      if (node == null || !node.isObject() || "reject-me".equals(node.path("name").asString(""))) {
        rejected.add(d.id());
        ledger.documentRejected(documents.half(), Ledger.DocumentReason.MALFORMED_JSON);
        continue;
      }
      boolean inProgress = node.path("in_progress").asBoolean(false) || !node.path("end_time").isNumber();
      if (inProgress) {
        BigDecimal start = node.path("start_time").decimalValue();
        Instant started = Instant.ofEpochSecond(start.longValue());
        if (Duration.between(started, clock.instant()).compareTo(inProgressTimeout) <= 0) {
          held.add(d.id());
          continue;
        }
      }
      addSpans(node, traceId, 0, documents.limitExceeded(), spans);
      emitted.add(d.id());
    }
    return new ConvertedTrace(
        xrayId, traceId, documents.half(), spans, "none", DatadogContext.NONE, emitted, held, rejected);
  }

  private static void addSpans(JsonNode node, long traceId, long parent, boolean limitExceeded, List<Span> out) {
    long id = Long.parseUnsignedLong(node.path("id").asString(), 16);
    long p = parent != 0 ? parent : node.has("parent_id") ? Long.parseUnsignedLong(node.path("parent_id").asString(), 16) : 0;
    out.add(
        Span.builder()
            .traceId(traceId)
            .spanId(id)
            .parentId(p)
            .service(node.path("name").asString(""))
            .name("stub")
            .resource(node.path("name").asString(""))
            .meta(limitExceeded ? Map.of("aws.xray.limit_exceeded", "true") : Map.of())
            .build());
    for (JsonNode c : node.path("subsegments")) addSpans(c, traceId, id, limitExceeded, out);
  }
}
