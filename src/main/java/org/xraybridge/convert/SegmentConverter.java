package org.xraybridge.convert;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.convert.Segment.Kind;
import org.xraybridge.convert.Segment.XException;
import org.xraybridge.convert.json.SegmentParser.SegmentParseException;
import org.xraybridge.convert.json.SegmentParser;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Names;
import org.xraybridge.model.Priority;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.Utf8;
import org.xraybridge.model.XRayDocuments;

/**
 * The documents of one X-Ray trace → Datadog spans, by MAPPING.md §1–§6 as pinned down in
 * docs/conversion.md.
 *
 * <p>Never throws on bad data: a bad document is rejected with a counted reason and the rest of the
 * trace converts; a bad nested subsegment is dropped with its subtree and the rest of its document
 * converts; small problems are repaired and counted. Thread-safe (no mutable state besides the
 * ledger, which is thread-safe).
 *
 * <p>Work per trace: parse every document once (streaming), validate, de-duplicate by id, then emit
 * spans in document order. Two small lookups span documents: exception ids (for a {@code cause} that
 * refers to an exception recorded elsewhere) and segment services (for independent subsegments).
 */
public final class SegmentConverter implements TraceConverter {

  static final long NANOS_PER_SECOND = 1_000_000_000L;
  /** 2000-01-01T00:00:00Z: earlier starts are repaired as the Agent does (WIRE.md §E1). */
  /** Starts more than this after the clock are rejected. */
  static final long FUTURE_TOLERANCE_NANOS = 86_400L * NANOS_PER_SECOND;

  static final String DATADOG_METADATA = "datadog-metadata";

  private final ConvertOptions options;
  private final Ledger ledger;
  private final Clock clock;
  private final SegmentParser parser = new SegmentParser();
  private final SpanMapper mapper;
  /** The env when neither annotation nor rule names one: fixed by the options, so normalised once. */
  private final String fallbackEnv;

  public SegmentConverter(ConvertOptions options, Ledger ledger, Clock clock) {
    this.options = Objects.requireNonNull(options, "options == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.mapper = new SpanMapper(options);
    String fallback = Names.tag(options.defaultEnv());
    this.fallbackEnv = fallback.isEmpty() ? "none" : fallback;
  }

  @Override
  public ConvertedTrace convert(XRayDocuments documents) {
    return convertDetailed(documents).trace();
  }

  /** Converts and returns the reasons behind every rejection and repair as well. */
  public Conversion convertDetailed(XRayDocuments documents) {
    Run run = new Run(documents, nowNanos());
    Conversion result = run.convert();
    List<Rejection> rejections = result.rejections();
    for (int i = 0; i < rejections.size(); i++) ledger.documentRejected(documents.half(), rejections.get(i).reason());
    List<String> repairs = result.repairs();
    for (int i = 0; i < repairs.size(); i++) ledger.repaired(repairs.get(i));
    return result;
  }

  private long nowNanos() {
    java.time.Instant now = clock.instant();
    return now.getEpochSecond() * NANOS_PER_SECOND + now.getNano();
  }

  /** A validated top-level document. */
  private static final class Top {
    final Segment segment;
    final String idText;
    final long spanId;
    final long parentId;
    final long startNanos;
    final long endNanos; // -1 while in progress
    final int order;
    String service = "";
    boolean held;
    boolean expired;

    Top(Segment segment, String idText, long spanId, long parentId, long startNanos, long endNanos, int order) {
      this.segment = segment;
      this.idText = idText;
      this.spanId = spanId;
      this.parentId = parentId;
      this.startNanos = startNanos;
      this.endNanos = endNanos;
      this.order = order;
    }

    boolean complete() {
      return endNanos >= 0;
    }
  }

  /** Mutable state of one conversion; confined to the calling thread. */
  private final class Run {
    private final XRayDocuments documents;
    private final long now;
    private final List<Rejection> rejections = new ArrayList<>();
    private final List<String> repairs = new ArrayList<>();
    private final List<String> emitted = new ArrayList<>(4);
    private final List<String> held = new ArrayList<>(0);
    private final List<String> rejected = new ArrayList<>(0);
    private final LongSet usedSpanIds = new LongSet();
    /** Built only when a trace has an independent subsegment: nothing else asks for another span's service. */
    private Map<Long, String> serviceBySpanId;
    /** Exception ids of the whole trace, built on the first {@code cause} that refers to one. */
    private Map<String, XException> exceptionsById;
    private List<Top> tops = List.of();
    /** Skipped inferred segments: span id → {parent span id, raw name}; built on the first one. */
    private Map<Long, Object[]> inferred = Map.of();
    private DatadogContext datadog = DatadogContext.NONE;
    private String xrayTraceId;
    private long traceId;
    /** The Datadog trace id of the accepted documents, which all spell the same X-Ray id (read checks). */
    private long acceptedTraceId;
    private String env = "";

    Run(XRayDocuments documents, long now) {
      this.documents = documents;
      this.now = now;
      this.xrayTraceId = documents.xrayTraceId();
    }

    Conversion convert() {
      List<Top> live = deduplicate(readAll());
      for (int i = 0; i < live.size(); i++) {
        Top t = live.get(i);
        if (!t.complete()) {
          long timeout = options.inProgressTimeout().toNanos();
          if (now - t.startNanos > timeout) {
            t.expired = true;
            repairs.add("in_progress_expired");
          } else {
            t.held = true;
            held.add(t.idText);
          }
        }
      }
      if (!live.isEmpty()) {
        traceId = acceptedTraceId;
        this.tops = live;
        resolveServices(live);
        env = resolveEnv(live);
      }
      List<Span> spans = new ArrayList<>();
      List<Span.Builder> out = new ArrayList<>();
      for (int i = 0; i < live.size(); i++) {
        Top t = live.get(i);
        if (t.held) continue;
        if (!documents.delivered().isEmpty() && documents.delivered().contains(t.idText)) {
          // context only: delivered with an earlier chunk; its inferred segment still names a peer
          if (t.segment.inferred() && !options.keepInferred()) skipInferred(t.spanId, t.parentId, t.segment.name());
          scanDatadog(t.segment, t.parentId, t.spanId);
          continue;
        }
        out.clear();
        emitTop(t, out);
        for (int j = 0; j < out.size(); j++) spans.add(out.get(j).build());
        emitted.add(t.idText);
      }
      spans = applyInferred(spans);
      if (!documents.delivered().isEmpty()) {
        // context documents were judged when they were new; do not count them twice
        rejections.removeIf(r -> documents.delivered().contains(r.segmentId()));
        rejected.removeIf(documents.delivered()::contains);
      }
      ConvertedTrace trace =
          new ConvertedTrace(xrayTraceId, traceId, documents.half(), spans, env, datadog, idSet(emitted), idSet(held), idSet(rejected));
      return new Conversion(trace, rejections, repairs);
    }

    /** Set.copyOf builds a hash set first; a trace usually names none or one id. */
    private static Set<String> idSet(List<String> ids) {
      return switch (ids.size()) {
        case 0 -> Set.of();
        case 1 -> Set.of(ids.get(0));
        default -> Set.copyOf(ids);
      };
    }

    // ---- reading and validating top-level documents ----------------------------------------------

    private List<Top> readAll() {
      List<Top> tops = new ArrayList<>(documents.documents().size());
      int order = 0;
      for (SegmentDocument d : documents.documents()) {
        Top t = read(d, order++);
        if (t != null) tops.add(t);
      }
      return tops;
    }

    private Top read(SegmentDocument d, int order) {
      String json = d.json();
      // a char is 1 to 3 UTF-8 bytes: count them only when the text could be over the limit
      if (json.length() * 3L > SegmentParser.MAX_DOCUMENT_BYTES) {
        int bytes = Utf8.length(json);
        if (bytes > SegmentParser.MAX_DOCUMENT_BYTES) {
          return reject(d.id(), DocumentReason.OVERSIZED,
              "Oversized document: " + bytes + " bytes, the limit is " + SegmentParser.MAX_DOCUMENT_BYTES);
        }
      }
      Segment s;
      try {
        s = parser.parse(json);
      } catch (SegmentParseException e) {
        DocumentReason reason =
            e.problem() == SegmentParser.Problem.TOO_DEEP ? DocumentReason.TOO_DEEP : DocumentReason.MALFORMED_JSON;
        return reject(d.id(), reason, e.getMessage());
      }
      repairs.addAll(s.repairs());
      String id = s.id().isEmpty() ? d.id() : s.id();
      boolean independent = s.isSubsegmentDocument();
      // missing fields first, then malformed ids, then absurd times (docs/conversion.md §0)
      if (s.id().isEmpty()) return reject(id, DocumentReason.MISSING_FIELD, "Malformed segment: id is missing");
      if (s.name().isEmpty()) return reject(id, DocumentReason.MISSING_FIELD, "Malformed segment: name is missing");
      if (s.startTime().isEmpty()) return reject(id, DocumentReason.MISSING_FIELD, "Malformed segment: start_time is missing");
      if (s.traceId().isEmpty()) return reject(id, DocumentReason.MISSING_FIELD, "Malformed segment: trace_id is missing");
      if (independent && s.parentId().isEmpty()) {
        return reject(id, DocumentReason.MISSING_FIELD, "Malformed subsegment: parent_id is missing on an independent subsegment");
      }
      if (s.endTime().isEmpty() && !s.inProgress()) {
        return reject(id, DocumentReason.MISSING_FIELD, "Malformed segment: neither end_time nor in_progress");
      }
      long spanId;
      long parentId = 0;
      long ddTraceId;
      try {
        spanId = IdCodec.parseHex64(s.id(), "id");
        if (!s.parentId().isEmpty()) parentId = IdCodec.parseHex64(s.parentId(), "parent_id");
        ddTraceId = IdCodec.datadogTraceId(s.traceId());
      } catch (IdCodec.IdFormatException e) {
        return reject(id, DocumentReason.MALFORMED_ID, "Malformed " + e.getMessage());
      }
      if (xrayTraceId.isEmpty()) {
        xrayTraceId = s.traceId();
      } else if (!xrayTraceId.equalsIgnoreCase(s.traceId())) {
        return reject(id, DocumentReason.MALFORMED_ID,
            "Malformed trace_id: '" + s.traceId() + "' differs from the trace it came with, '" + xrayTraceId + "'");
      }
      acceptedTraceId = ddTraceId; // equal ignoring case, so the same id as every other document that got here
      long start;
      long end = -1;
      try {
        start = TimeCodec.nanos(s.startTime());
        if (!s.endTime().isEmpty() && !s.inProgress()) end = TimeCodec.nanos(s.endTime());
      } catch (TimeCodec.TimeRangeException e) {
        return reject(id, DocumentReason.ABSURD_TIME, "Absurd time: " + e.getMessage());
      } catch (TimeCodec.TimeFormatException e) {
        return reject(id, DocumentReason.MISSING_FIELD, "Malformed time: " + e.getMessage());
      }
      if (start > now + FUTURE_TOLERANCE_NANOS) {
        return reject(id, DocumentReason.ABSURD_TIME,
            "Absurd start_time: " + s.startTime() + " is more than a day after the clock");
      }
      return new Top(s, id, spanId, parentId, start, end, order);
    }

    /** Same id twice: a complete document beats an in-progress one, then the later end, then the first seen. */
    private List<Top> deduplicate(List<Top> tops) {
      if (tops.size() < 2) return tops;
      Map<Long, Top> best = new HashMap<>();
      for (Top t : tops) {
        Top other = best.get(t.spanId);
        if (other == null) {
          best.put(t.spanId, t);
          continue;
        }
        boolean wins = (t.complete() && !other.complete()) || (t.complete() == other.complete() && t.endNanos > other.endNanos);
        Top loser = wins ? other : t;
        if (wins) best.put(t.spanId, t);
        rejectDocument(loser.idText, DocumentReason.DUPLICATE_ID,
            "Duplicate id: '" + loser.idText + "' appears twice in trace " + xrayTraceId + "; the more complete document was kept");
      }
      List<Top> out = new ArrayList<>(best.size());
      for (Top t : tops) {
        if (best.get(t.spanId) == t) out.add(t);
      }
      return out;
    }

    private Top reject(String id, DocumentReason reason, String message) {
      rejectDocument(id, reason, message);
      return null;
    }

    private void rejectDocument(String id, DocumentReason reason, String message) {
      rejections.add(new Rejection(id, reason, message));
      rejected.add(id);
    }

    // ---- trace-wide lookups ----------------------------------------------------------------------

    /** The exception with {@code id} anywhere in the trace, or null. */
    XException exception(String id) {
      if (exceptionsById == null) {
        exceptionsById = new HashMap<>();
        for (Top t : tops) indexExceptions(t.segment);
      }
      return exceptionsById.get(id.toLowerCase(java.util.Locale.ROOT));
    }

    private void indexExceptions(Segment s) {
      for (XException e : s.cause().exceptions()) {
        if (!e.id().isEmpty()) exceptionsById.putIfAbsent(e.id().toLowerCase(java.util.Locale.ROOT), e);
      }
      for (Segment sub : s.subsegments()) indexExceptions(sub);
    }

    /** Services of segments first, then of independent subsegments (whose parent may be another). */
    private void resolveServices(List<Top> tops) {
      List<Top> pending = new ArrayList<>(0);
      boolean independents = false;
      for (Top t : tops) independents |= t.segment.isSubsegmentDocument();
      for (Top t : tops) {
        if (t.segment.isSubsegmentDocument()) {
          pending.add(t);
        } else {
          t.service = mapper.segmentService(t.segment.name());
          // only an independent subsegment ever asks for another span's service
          if (independents) recordServices(t.segment, t.spanId, t.service);
        }
      }
      boolean progress = true;
      while (!pending.isEmpty() && progress) {
        progress = false;
        for (int i = 0; i < pending.size(); i++) {
          Top t = pending.get(i);
          String parentService = serviceBySpanId == null ? null : serviceBySpanId.get(t.parentId);
          if (parentService != null) {
            t.service = parentService;
            recordServices(t.segment, t.spanId, t.service);
            pending.remove(i--);
            progress = true;
          }
        }
      }
      for (Top t : pending) {
        t.service = mapper.segmentService(t.segment.name());
        recordServices(t.segment, t.spanId, t.service);
      }
    }

    private void recordServices(Segment s, long spanId, String service) {
      if (serviceBySpanId == null) serviceBySpanId = new HashMap<>();
      serviceBySpanId.putIfAbsent(spanId, service);
      for (Segment sub : s.subsegments()) {
        try {
          recordServices(sub, IdCodec.parseHex64(sub.id(), "id"), service);
        } catch (IdCodec.IdFormatException e) {
          // a bad nested id is rejected where the subsegment is emitted
        }
      }
    }

    private String resolveEnv(List<Top> tops) {
      String annotation = options.envAnnotation();
      for (Top t : tops) {
        List<Entry> annotations = t.segment.annotations();
        for (int i = 0; i < annotations.size(); i++) {
          Entry e = annotations.get(i);
          if (e.key().equals(annotation) && e.kind() == Kind.STRING && !e.text().isBlank()) {
            String env = Names.tag(e.text());
            if (!env.isEmpty()) return env;
          }
        }
      }
      if (!options.envRules().isEmpty()) {
        String service = "";
        for (Top t : tops) {
          if (!t.segment.isSubsegmentDocument()) {
            service = t.service;
            break;
          }
        }
        if (service.isEmpty() && !tops.isEmpty()) service = tops.get(0).service;
        String ruled = options.envRules().get(service);
        if (ruled != null && !Names.tag(ruled).isEmpty()) return Names.tag(ruled);
      }
      return fallbackEnv;
    }

    // ---- emitting spans --------------------------------------------------------------------------

    private void emitTop(Top t, List<Span.Builder> out) {
      Segment s = t.segment;
      if (DATADOG_METADATA.equals(s.name())) {
        captureDatadog(s, t.parentId);
        return;
      }
      boolean isSegment = !s.isSubsegmentDocument();
      if (isSegment && s.inferred() && !options.keepInferred()) {
        skipInferred(t.spanId, t.parentId, s.name());
        usedSpanIds.add(t.spanId);
        return;
      }
      long start = t.startNanos;
      long end = t.endNanos;
      if (t.expired) end = Math.max(start, latestEnd(s, start));
      String version = versionOf(s);
      Span.Builder b = emit(s, isSegment, t.spanId, t.parentId, start, end, t.service, version, out);
      if (t.expired) b.putMeta("aws.xray.in_progress", "true");
    }

    /** Maps one (sub)segment, then its subsegments; returns the builder of {@code s} (already in {@code out}). */
    private Span.Builder emit(
        Segment s, boolean isSegment, long spanId, long parentId, long start, long end, String service, String version,
        List<Span.Builder> out) {
      usedSpanIds.add(spanId);
      String startText = s.startTime();
      long duration = end - start;
      if (duration < 0) {
        duration = 0;
        repairs.add("negative_duration");
      }
      boolean repairedStart = false;
      if (start < TimeCodec.YEAR_2000_NANOS) {
        start = now - duration;
        repairs.add("absurd_start");
        repairedStart = true;
      }
      String rawName = Names.withoutControlCharacters(s.name());
      if (!rawName.equals(s.name())) repairs.add("control_characters");
      Span.Builder b =
          mapper.map(s, rawName, isSegment, traceId, spanId, parentId, start, duration, service, version, env, xrayTraceId,
              this::exception, repairs);
      if (repairedStart) b.putMeta("aws.xray.original_start_time", startText);
      out.add(b);
      long parentEnd = end;
      List<Segment> subs = s.subsegments();
      for (int i = 0; i < subs.size(); i++) emitSubsegment(subs.get(i), spanId, parentEnd, service, version, out);
      return b;
    }

    private void emitSubsegment(Segment s, long parentId, long parentEnd, String service, String version, List<Span.Builder> out) {
      String idText = s.id();
      if (idText.isEmpty()) {
        dropSubtree(idText, DocumentReason.MISSING_FIELD, "Malformed subsegment: id is missing");
        return;
      }
      if (s.name().isEmpty()) {
        dropSubtree(idText, DocumentReason.MISSING_FIELD, "Malformed subsegment: name is missing");
        return;
      }
      if (s.startTime().isEmpty()) {
        dropSubtree(idText, DocumentReason.MISSING_FIELD, "Malformed subsegment: start_time is missing");
        return;
      }
      long spanId;
      try {
        spanId = IdCodec.parseHex64(idText, "subsegment id");
      } catch (IdCodec.IdFormatException e) {
        dropSubtree(idText, DocumentReason.MALFORMED_ID, "Malformed " + e.getMessage());
        return;
      }
      long start;
      try {
        start = TimeCodec.nanos(s.startTime());
      } catch (TimeCodec.TimeRangeException e) {
        dropSubtree(idText, DocumentReason.ABSURD_TIME, "Absurd time: " + e.getMessage());
        return;
      } catch (TimeCodec.TimeFormatException e) {
        dropSubtree(idText, DocumentReason.MISSING_FIELD, "Malformed time: " + e.getMessage());
        return;
      }
      if (start > now + FUTURE_TOLERANCE_NANOS) {
        dropSubtree(idText, DocumentReason.ABSURD_TIME, "Absurd start_time: " + s.startTime() + " is more than a day after the clock");
        return;
      }
      if (usedSpanIds.contains(spanId)) {
        dropSubtree(idText, DocumentReason.DUPLICATE_ID, "Duplicate id: '" + idText + "' appears twice in trace " + xrayTraceId);
        return;
      }
      if (DATADOG_METADATA.equals(s.name())) {
        usedSpanIds.add(spanId);
        captureDatadog(s, parentId);
        return;
      }
      boolean inProgress = s.inProgress() || s.endTime().isEmpty();
      long end;
      if (inProgress) {
        long childEnd = latestEnd(s, Long.MIN_VALUE);
        end = childEnd != Long.MIN_VALUE ? childEnd : Math.max(parentEnd, start);
      } else {
        try {
          end = TimeCodec.nanos(s.endTime());
        } catch (TimeCodec.TimeFormatException e) {
          dropSubtree(idText, DocumentReason.MISSING_FIELD, "Malformed time: " + e.getMessage());
          return;
        }
      }
      Span.Builder b = emit(s, false, spanId, parentId, start, end, service, version, out);
      if (inProgress) b.putMeta("aws.xray.in_progress", "true");
    }

    private void dropSubtree(String id, DocumentReason reason, String message) {
      rejections.add(new Rejection(id, reason, message));
    }

    /** Latest end_time among the descendants of {@code s}; {@code fallback} when none has one. */
    private long latestEnd(Segment s, long fallback) {
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

    private String versionOf(Segment s) {
      List<Entry> entries = s.service();
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        if (e.key().equals("version") && e.kind() != Kind.JSON) return e.text();
      }
      return "";
    }

    /** A context document's datadog-metadata still re-keys the new chunk: find it without emitting anything. */
    private void scanDatadog(Segment s, long parentSpanId, long spanId) {
      if (DATADOG_METADATA.equals(s.name())) {
        captureDatadog(s, parentSpanId);
        return;
      }
      for (Segment sub : s.subsegments()) {
        try {
          scanDatadog(sub, spanId, IdCodec.parseHex64(sub.id(), "id"));
        } catch (IdCodec.IdFormatException e) {
          // judged when the document was new
        }
      }
    }

    private void captureDatadog(Segment s, long parentSpanId) {
      Segment.DatadogBlock d = s.datadog();
      if (!d.present() || datadog.present()) return;
      try {
        long ddTrace = Long.parseUnsignedLong(d.traceId().strip());
        long ddParent = d.parentId().isBlank() ? 0 : Long.parseUnsignedLong(d.parentId().strip());
        int priority = d.samplingPriority().isBlank() ? Priority.NONE : (int) Double.parseDouble(d.samplingPriority().strip());
        Map<String, String> tags = new java.util.LinkedHashMap<>();
        for (Entry e : d.functionTags()) tags.put(e.key(), e.text());
        datadog = new DatadogContext(ddTrace, ddParent, priority, tags, parentSpanId);
      } catch (NumberFormatException e) {
        repairs.add("bad_datadog_metadata");
      }
    }

    private void skipInferred(long spanId, long parentId, String name) {
      if (inferred.isEmpty()) inferred = new HashMap<>(4);
      inferred.put(spanId, new Object[] {parentId, name});
    }

    /** Skipped inferred segments: their children move up, their name becomes the caller's peer.service. */
    private List<Span> applyInferred(List<Span> spans) {
      if (inferred.isEmpty()) return spans;
      List<Span> out = new ArrayList<>(spans.size());
      Map<Long, String> peerBySpan = new HashMap<>();
      for (Map.Entry<Long, Object[]> e : inferred.entrySet()) peerBySpan.put((Long) e.getValue()[0], (String) e.getValue()[1]);
      for (Span s : spans) {
        Span.Builder b = null;
        Object[] parentInferred = inferred.get(s.parentId());
        if (parentInferred != null) {
          long p = (Long) parentInferred[0];
          // an inferred segment under another skipped inferred segment: follow the chain
          for (int hops = 0; inferred.containsKey(p) && hops < 8; hops++) p = (Long) inferred.get(p)[0];
          b = s.toBuilder().parentId(p);
        }
        String peer = peerBySpan.get(s.spanId());
        if (peer != null) b = (b == null ? s.toBuilder() : b).putMeta("peer.service", peer);
        out.add(b == null ? s : b.build());
      }
      return out;
    }
  }
}
