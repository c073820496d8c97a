package org.xraybridge.convert.otel;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.xraybridge.convert.Conversion;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.Rejection;
import org.xraybridge.convert.json.DocumentParseException;
import org.xraybridge.convert.json.SpanRecordParser;
import org.xraybridge.convert.otel.SpanRecord.Attribute;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.Names;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRayDocuments;

/**
 * Spans X-Ray wrote to the CloudWatch Logs group {@code aws/spans} (Transaction Search) → Datadog spans,
 * by docs/conversion.md §8. The result is a {@link ConvertedTrace} like the segment converter's, so the
 * stitcher joins these spans exactly as it joins polled X-Ray halves: the 32-hex trace id is the X-Ray
 * id without {@code 1-} and dash, and every id rule of §1 applies unchanged.
 *
 * <p>Two entries: {@link #convertDetailed(XRayDocuments)} for the records of one trace (each
 * {@link SegmentDocument} holds one log event message; its {@code id} is whatever the reader names the
 * event by, or {@code ""}), and {@link #convertEvents} for the events of one read, of any traces,
 * grouped here so that each message is parsed once. {@code XRayDocuments.delivered} and the
 * {@code delivered} argument name span ids (an OTel {@code spanId} is the X-Ray segment id) whose
 * records are context only.
 *
 * <p>Never throws on bad data: a bad record is rejected with a counted reason and its neighbours
 * convert; small problems are repaired and counted. Thread-safe.
 */
public final class SpanRecordConverter implements TraceConverter {

  /** Starts more than a day after the clock are refused, as §0 refuses segments. */
  static final long FUTURE_TOLERANCE_NANOS = 86_400L * 1_000_000_000L;

  private final ConvertOptions options;
  private final Ledger ledger;
  private final Clock clock;
  private final SpanRecordParser parser;
  private final OtelSpanMapper mapper;
  private final String fallbackEnv;

  public SpanRecordConverter(ConvertOptions options, Ledger ledger, Clock clock) {
    this(options, ledger, clock, new SpanRecordParser());
  }

  public SpanRecordConverter(ConvertOptions options, Ledger ledger, Clock clock, SpanRecordParser parser) {
    this.options = Objects.requireNonNull(options, "options == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.parser = Objects.requireNonNull(parser, "parser == null");
    this.mapper = new OtelSpanMapper(options);
    String fallback = Names.tag(options.defaultEnv());
    this.fallbackEnv = fallback.isEmpty() ? "none" : fallback;
  }

  /** The events of one read, by trace: each trace's conversion, and the events no trace could claim. */
  public record Batch(List<Conversion> traces, List<Rejection> unattributed) {
    public Batch {
      traces = List.copyOf(traces);
      unattributed = List.copyOf(unattributed);
    }
  }

  @Override
  public ConvertedTrace convert(XRayDocuments documents) {
    return convertDetailed(documents).trace();
  }

  /** The records of one trace; a record of another trace is rejected ({@code malformed_id}). */
  public Conversion convertDetailed(XRayDocuments documents) {
    Run run = new Run(documents.xrayTraceId(), documents.half(), documents.delivered(), TimeCodec.epochNanos(clock));
    List<SegmentDocument> docs = documents.documents();
    List<Parsed> parsed = new ArrayList<>(docs.size());
    for (int i = 0; i < docs.size(); i++) {
      SegmentDocument d = docs.get(i);
      try {
        parsed.add(new Parsed(d.id(), parser.parse(d.json())));
      } catch (DocumentParseException e) {
        run.reject(d.id(), e.reason(), e.getMessage());
      }
    }
    return account(run.convert(parsed), documents.half());
  }

  /**
   * The log events of one read, of any number of traces: parsed once, grouped by trace in the order
   * first seen, each trace converted. An event whose trace cannot be read (not JSON, oversized, no or a
   * malformed {@code traceId}) is {@link Batch#unattributed}.
   */
  public Batch convertEvents(List<SegmentDocument> events, Half half, Set<String> delivered) {
    if (!half.isXRay()) throw new IllegalArgumentException("aws/spans records are not the native half");
    long now = TimeCodec.epochNanos(clock);
    Map<String, List<Parsed>> byTrace = new LinkedHashMap<>();
    List<Rejection> unattributed = new ArrayList<>(0);
    for (int i = 0; i < events.size(); i++) {
      SegmentDocument d = events.get(i);
      SpanRecord r;
      try {
        r = parser.parse(d.json());
      } catch (DocumentParseException e) {
        unattributed.add(new Rejection(d.id(), e.reason(), e.getMessage()));
        continue;
      }
      String id = r.spanId().isEmpty() ? d.id() : r.spanId();
      if (r.traceId().isEmpty()) {
        unattributed.add(new Rejection(id, DocumentReason.MISSING_FIELD, "Malformed span record: traceId is missing"));
        continue;
      }
      String xray;
      try {
        xray = SpanIds.xrayTraceId(r.traceId());
        IdCodec.datadogTraceId(xray);
      } catch (IllegalArgumentException e) {
        unattributed.add(new Rejection(id, DocumentReason.MALFORMED_ID, "Malformed " + e.getMessage()));
        continue;
      }
      byTrace.computeIfAbsent(xray, k -> new ArrayList<>(4)).add(new Parsed(d.id(), r));
    }
    List<Conversion> traces = new ArrayList<>(byTrace.size());
    for (Map.Entry<String, List<Parsed>> e : byTrace.entrySet()) {
      traces.add(account(new Run(e.getKey(), half, delivered, now).convert(e.getValue()), half));
    }
    for (int i = 0; i < unattributed.size(); i++) ledger.documentRejected(half, unattributed.get(i).reason());
    return new Batch(traces, unattributed);
  }

  private Conversion account(Conversion c, Half half) {
    List<Rejection> rejections = c.rejections();
    for (int i = 0; i < rejections.size(); i++) ledger.documentRejected(half, rejections.get(i).reason());
    List<String> repairs = c.repairs();
    for (int i = 0; i < repairs.size(); i++) ledger.repaired(repairs.get(i));
    return c;
  }

  private record Parsed(String documentId, SpanRecord record) {}

  /** A record that passed validation. */
  private static final class Live {
    final SpanRecord record;
    final String idText; // canonical lower-case hex: the id the source marks delivered
    final long spanId;
    final long parentId;
    final long start;
    final long end;
    final boolean complete;
    boolean held;
    boolean expired;

    Live(SpanRecord record, long spanId, long parentId, long start, long end, boolean complete) {
      this.record = record;
      this.idText = IdCodec.toHex64(spanId);
      this.spanId = spanId;
      this.parentId = parentId;
      this.start = start;
      this.end = end;
      this.complete = complete;
    }
  }

  /** One trace's conversion; confined to the calling thread. */
  private final class Run {
    private final Half half;
    private final Set<String> delivered;
    private final long now;
    private final List<Rejection> rejections = new ArrayList<>(0);
    private final List<String> repairs = new ArrayList<>(0);
    private final List<String> rejected = new ArrayList<>(0);
    private String xrayTraceId;
    private long traceId;

    Run(String xrayTraceIdHint, Half half, Set<String> delivered, long now) {
      this.half = half;
      this.delivered = delivered;
      this.now = now;
      String hint = "";
      if (!xrayTraceIdHint.isEmpty()) {
        try {
          hint = SpanIds.xrayTraceId(xrayTraceIdHint);
        } catch (IllegalArgumentException e) {
          hint = xrayTraceIdHint; // every record will differ from it, and say so
        }
      }
      this.xrayTraceId = hint;
    }

    void reject(String id, DocumentReason reason, String message) {
      rejections.add(new Rejection(id, reason, message));
      rejected.add(id);
    }

    Conversion convert(List<Parsed> parsed) {
      List<Live> live = new ArrayList<>(parsed.size());
      for (int i = 0; i < parsed.size(); i++) {
        Live l = validate(parsed.get(i));
        if (l != null) live.add(l);
      }
      live = deduplicate(live);
      List<String> held = new ArrayList<>(0);
      long timeout = options.inProgressTimeout().toNanos();
      for (int i = 0; i < live.size(); i++) {
        Live l = live.get(i);
        if (l.complete) continue;
        if (now - l.start > timeout) {
          l.expired = true;
          repairs.add("in_progress_expired");
        } else {
          l.held = true;
          held.add(l.idText);
        }
      }
      String env = live.isEmpty() ? "" : env(live);
      List<Span> spans = new ArrayList<>(live.size());
      List<String> emitted = new ArrayList<>(live.size());
      String otelTraceId = xrayTraceId.isEmpty() ? "" : SpanIds.w3cTraceId(xrayTraceId);
      for (int i = 0; i < live.size(); i++) {
        Live l = live.get(i);
        if (l.held || (!delivered.isEmpty() && delivered.contains(l.idText))) continue;
        spans.add(emit(l, live, env, otelTraceId));
        emitted.add(l.idText);
      }
      if (!delivered.isEmpty()) {
        // context records were judged when they were new; do not count them twice
        rejections.removeIf(r -> delivered.contains(r.segmentId().toLowerCase(java.util.Locale.ROOT)));
        rejected.removeIf(id -> delivered.contains(id.toLowerCase(java.util.Locale.ROOT)));
      }
      ConvertedTrace trace = new ConvertedTrace(
          xrayTraceId, live.isEmpty() ? 0 : traceId, half, spans, env, DatadogContext.NONE,
          Set.copyOf(emitted), Set.copyOf(held), Set.copyOf(rejected));
      return new Conversion(trace, rejections, repairs);
    }

    /** Missing fields first, then malformed ids, then absurd times (the order of docs/conversion.md §0). */
    private Live validate(Parsed p) {
      SpanRecord r = p.record();
      repairs.addAll(r.repairs());
      String id = r.spanId().isEmpty() ? p.documentId() : r.spanId();
      if (r.traceId().isEmpty()) return refuse(id, DocumentReason.MISSING_FIELD, "Malformed span record: traceId is missing");
      if (r.spanId().isEmpty()) return refuse(id, DocumentReason.MISSING_FIELD, "Malformed span record: spanId is missing");
      if (r.name().isEmpty()) return refuse(id, DocumentReason.MISSING_FIELD, "Malformed span record: name is missing");
      if (r.startTime().isEmpty()) {
        return refuse(id, DocumentReason.MISSING_FIELD, "Malformed span record: startTimeUnixNano is missing");
      }
      String xray;
      long ddTraceId;
      long spanId;
      long parentId;
      try {
        xray = SpanIds.xrayTraceId(r.traceId());
        ddTraceId = IdCodec.datadogTraceId(xray);
        spanId = IdCodec.parseHex64(r.spanId(), "spanId");
        parentId = SpanIds.parentId(r.parentSpanId());
      } catch (IllegalArgumentException e) {
        return refuse(id, DocumentReason.MALFORMED_ID, "Malformed " + e.getMessage());
      }
      if (xrayTraceId.isEmpty()) {
        xrayTraceId = xray;
      } else if (!xrayTraceId.equals(xray)) {
        return refuse(id, DocumentReason.MALFORMED_ID,
            "Malformed traceId: '" + r.traceId() + "' differs from the trace it came with, '" + xrayTraceId + "'");
      }
      traceId = ddTraceId;
      long start;
      long end = 0;
      boolean complete;
      try {
        try {
          start = Nanos.parse(r.startTime());
        } catch (Nanos.NotANumber e) {
          return refuse(id, DocumentReason.MISSING_FIELD, "Malformed time: " + e.getMessage());
        }
        end = optionalNanos(r.endTime(), "endTimeUnixNano");
        complete = end != 0;
        if (!complete) {
          long d = optionalNanos(r.duration(), "durationNano");
          if (d > 0) {
            end = Math.addExact(start, d);
            complete = true;
          }
        }
      } catch (Nanos.OutOfRange | ArithmeticException e) {
        return refuse(id, DocumentReason.ABSURD_TIME, "Absurd time: " + e.getMessage());
      }
      if (start > now + FUTURE_TOLERANCE_NANOS) {
        return refuse(id, DocumentReason.ABSURD_TIME,
            "Absurd startTimeUnixNano: " + r.startTime() + " is more than a day after the clock");
      }
      return new Live(r, spanId, parentId, start, end, complete);
    }

    /** An end or a duration: 0 when absent; one that is not a number counts as absent (repair {@code wrong_type}). */
    private long optionalNanos(String text, String field) throws Nanos.OutOfRange {
      if (text.isEmpty()) return 0;
      try {
        return Nanos.parse(text);
      } catch (Nanos.NotANumber e) {
        repairs.add("wrong_type:" + field);
        return 0;
      }
    }

    private Live refuse(String id, DocumentReason reason, String message) {
      reject(id, reason, message);
      return null;
    }

    /** Same span id twice: a complete record beats an in-progress one, then the later end, then the first seen. */
    private List<Live> deduplicate(List<Live> live) {
      if (live.size() < 2) return live;
      Map<Long, Live> best = new HashMap<>(live.size() * 2);
      boolean duplicates = false;
      for (int i = 0; i < live.size(); i++) {
        Live l = live.get(i);
        Live other = best.get(l.spanId);
        if (other == null) {
          best.put(l.spanId, l);
          continue;
        }
        duplicates = true;
        boolean wins = (l.complete && !other.complete) || (l.complete == other.complete && l.end > other.end);
        Live loser = wins ? other : l;
        if (wins) best.put(l.spanId, l);
        reject(loser.record.spanId(), DocumentReason.DUPLICATE_ID,
            "Duplicate id: '" + loser.record.spanId() + "' appears twice in trace " + xrayTraceId + "; the more complete record was kept");
      }
      if (!duplicates) return live;
      List<Live> out = new ArrayList<>(best.size());
      for (int i = 0; i < live.size(); i++) {
        Live l = live.get(i);
        if (best.get(l.spanId) == l) out.add(l);
      }
      return out;
    }

    /**
     * The trace's env: the env annotation (an attribute named {@code env-annotation}), then
     * {@code deployment.environment.name}/{@code deployment.environment}, each the first found in record
     * order; then {@code env-rules} for the root record's service; then the default env.
     */
    private String env(List<Live> live) {
      String annotation = options.envAnnotation();
      for (int i = 0; i < live.size(); i++) {
        Attribute a = Otlp.find(live.get(i).record.attributes(), annotation);
        if (a != null && a.type() == SpanRecord.Type.STRING && !a.text().isBlank()) {
          String env = Names.tag(a.text());
          if (!env.isEmpty()) return env;
        }
      }
      for (int i = 0; i < live.size(); i++) {
        String env = Names.tag(Otlp.lookup(live.get(i).record, "deployment.environment.name", "deployment.environment"));
        if (!env.isEmpty()) return env;
      }
      if (!options.envRules().isEmpty()) {
        String ruled = options.envRules().get(mapper.service(root(live).record));
        if (ruled != null && !Names.tag(ruled).isEmpty()) return Names.tag(ruled);
      }
      return fallbackEnv;
    }

    /** The first record whose parent is not among the records (the local root), else the first. */
    private Live root(List<Live> live) {
      for (int i = 0; i < live.size(); i++) {
        Live l = live.get(i);
        if (l.parentId == 0) return l;
        boolean parentHere = false;
        for (int j = 0; j < live.size() && !parentHere; j++) parentHere = live.get(j).spanId == l.parentId;
        if (!parentHere) return l;
      }
      return live.get(0);
    }

    private Span emit(Live l, List<Live> live, String env, String otelTraceId) {
      SpanRecord r = l.record;
      long start = l.start;
      long end = l.expired ? Math.max(start, latestEnd(l.spanId, live, 0)) : l.end;
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
      int kind = Otlp.kind(r.kind());
      Span.Builder b = mapper.map(r, kind, traceId, l.spanId, l.parentId, start, duration, mapper.service(r), env,
          xrayTraceId, otelTraceId, repairs);
      if (repairedStart) b.putMeta("aws.xray.original_start_time", r.startTime());
      if (l.expired) b.putMeta("aws.xray.in_progress", "true");
      return b.build();
    }

    /** The latest end among the complete descendants of {@code spanId} (§2's rule for an expired in-progress span). */
    private long latestEnd(long spanId, List<Live> live, int depth) {
      long latest = Long.MIN_VALUE;
      if (depth > 32) return latest;
      for (int i = 0; i < live.size(); i++) {
        Live c = live.get(i);
        if (c.parentId != spanId || c.spanId == spanId) continue;
        if (c.complete) latest = Math.max(latest, c.end);
        latest = Math.max(latest, latestEnd(c.spanId, live, depth + 1));
      }
      return latest;
    }
  }
}
