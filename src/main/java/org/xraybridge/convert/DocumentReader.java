package org.xraybridge.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xraybridge.convert.SegmentRules.Broken;
import org.xraybridge.convert.json.DocumentParseException;
import org.xraybridge.convert.json.SegmentParser;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.SegmentDocument;

/**
 * The top-level documents of one trace → the ones that pass docs/conversion.md §0, once each: every
 * document is parsed once and judged in the order §0 lists the reasons (size, missing fields, then
 * malformed ids, then absurd times), and of two with the same id the more complete one stays.
 * Rejections go to the run's {@link Findings}. Confined to one run.
 */
final class DocumentReader {

  /**
   * What one UDP datagram to the daemon port holds (docs/conversion.md §0): X-Ray's limit for a
   * document an SDK uploads. Documents read from the X-Ray API are compiled from several such uploads
   * and may be far longer; for them the bound is {@link SegmentParser#MAX_DOCUMENT_BYTES}.
   */
  static final int MAX_DATAGRAM_DOCUMENT_BYTES = 64 * 1024;

  private final SegmentParser parser;
  private final int maxDocumentBytes;
  private final long now;
  private final Findings findings;
  /** The X-Ray trace id the documents came with, else the first one read. */
  private String xrayTraceId;
  /** The Datadog trace id of the accepted documents, which all spell the same X-Ray id. */
  private long traceId;

  DocumentReader(SegmentParser parser, Half half, long now, String xrayTraceId, Findings findings) {
    this.parser = parser;
    this.maxDocumentBytes = maxDocumentBytes(half);
    this.now = now;
    this.xrayTraceId = xrayTraceId;
    this.findings = findings;
  }

  String xrayTraceId() {
    return xrayTraceId;
  }

  /** Meaningful once a document was accepted. */
  long traceId() {
    return traceId;
  }

  /** The accepted documents in the order given, one per id. */
  List<TopDocument> readAll(List<SegmentDocument> documents) {
    List<TopDocument> tops = new ArrayList<>(documents.size());
    for (int i = 0; i < documents.size(); i++) {
      SegmentDocument d = documents.get(i);
      String id = d.id();
      try {
        Segment s = parse(d.json());
        findings.repaired(s.repairs());
        if (!s.id().isEmpty()) id = s.id();
        tops.add(judge(s, id));
      } catch (Broken b) {
        findings.rejectDocument(id, b.reason(), b.getMessage());
      }
    }
    return deduplicate(tops);
  }

  /** The daemon's documents are single datagrams; everything else came from the X-Ray API (or its output, in the CLI). */
  static int maxDocumentBytes(Half half) {
    return half == Half.XRAY_DAEMON ? MAX_DATAGRAM_DOCUMENT_BYTES : SegmentParser.MAX_DOCUMENT_BYTES;
  }

  private Segment parse(String json) throws Broken {
    try {
      return parser.parse(json, maxDocumentBytes);
    } catch (DocumentParseException e) {
      boolean datagram = e.reason() == DocumentReason.OVERSIZED && maxDocumentBytes == MAX_DATAGRAM_DOCUMENT_BYTES;
      throw new Broken(e.reason(), datagram ? e.getMessage() + " for a document sent to the daemon port (one UDP datagram)" : e.getMessage());
    }
  }

  private TopDocument judge(Segment s, String id) throws Broken {
    SegmentRules.requireIdNameStart(s, "segment");
    if (s.traceId().isEmpty()) throw SegmentRules.missing("Malformed segment: trace_id is missing");
    if (s.isSubsegmentDocument() && s.parentId().isEmpty()) {
      throw SegmentRules.missing("Malformed subsegment: parent_id is missing on an independent subsegment");
    }
    if (s.endTime().isEmpty() && !s.inProgress()) throw SegmentRules.missing("Malformed segment: neither end_time nor in_progress");
    long spanId = SegmentRules.spanId(s.id(), "id");
    long parentId = s.parentId().isEmpty() ? 0 : SegmentRules.spanId(s.parentId(), "parent_id");
    long ddTraceId = SegmentRules.traceId(s.traceId());
    if (xrayTraceId.isEmpty()) {
      xrayTraceId = s.traceId();
    } else if (!xrayTraceId.equalsIgnoreCase(s.traceId())) {
      throw new Broken(DocumentReason.MALFORMED_ID,
          "Malformed trace_id: '" + s.traceId() + "' differs from the trace it came with, '" + xrayTraceId + "'");
    }
    traceId = ddTraceId; // equal ignoring case, so the same id as every document accepted before
    long start = SegmentRules.nanos(s.startTime());
    long end = !s.endTime().isEmpty() && !s.inProgress() ? SegmentRules.nanos(s.endTime()) : -1;
    SegmentRules.notInFuture(start, s.startTime(), now);
    return new TopDocument(s, id, spanId, parentId, start, end);
  }

  /** Same id twice: a complete document beats an in-progress one, then the later end, then the first seen. */
  private List<TopDocument> deduplicate(List<TopDocument> tops) {
    if (tops.size() < 2) return tops;
    Map<Long, TopDocument> best = new HashMap<>();
    for (int i = 0; i < tops.size(); i++) {
      TopDocument t = tops.get(i);
      TopDocument other = best.get(t.spanId());
      if (other == null) {
        best.put(t.spanId(), t);
        continue;
      }
      boolean wins = (t.complete() && !other.complete()) || (t.complete() == other.complete() && t.endNanos() > other.endNanos());
      TopDocument loser = wins ? other : t;
      if (wins) best.put(t.spanId(), t);
      findings.rejectDocument(loser.id(), DocumentReason.DUPLICATE_ID,
          "Duplicate id: '" + loser.id() + "' appears twice in trace " + xrayTraceId + "; the more complete document was kept");
    }
    if (best.size() == tops.size()) return tops;
    List<TopDocument> out = new ArrayList<>(best.size());
    for (int i = 0; i < tops.size(); i++) {
      TopDocument t = tops.get(i);
      if (best.get(t.spanId()) == t) out.add(t);
    }
    return out;
  }
}
