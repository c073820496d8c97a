package org.xraybridge.convert.json;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.convert.Segment;
import org.xraybridge.convert.Segment.Cause;
import org.xraybridge.convert.Segment.DatadogBlock;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.convert.Segment.Http;
import org.xraybridge.convert.Segment.Link;
import org.xraybridge.convert.Segment.Tri;
import org.xraybridge.model.Ledger.DocumentReason;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * A segment document → {@link Segment}, in one streaming pass over Jackson tokens (no tree, no object
 * mapper: a tree would be built only to be walked once). Lenient where the data is merely odd (see
 * {@link Fields}), strict where it cannot go on: a document over {@value #MAX_DOCUMENT_BYTES} UTF-8
 * bytes, malformed JSON, a top level that is not an object, JSON nested deeper than
 * {@value #MAX_JSON_DEPTH} or subsegments deeper than {@value #MAX_SUBSEGMENT_DEPTH} levels throw
 * {@link DocumentParseException} (docs/conversion.md §0).
 * Ids and times are judged by the converter. Thread-safe; one instance is shared.
 */
public final class SegmentParser {

  /**
   * The longest document parsed at all: the bound against abuse on the X-Ray API path, far above the
   * 500 KB a whole trace reaches there (docs/conversion.md §0, {@code oversized}). The converter
   * applies the daemon's tighter 64 KiB before this.
   */
  public static final int MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

  static final int MAX_SUBSEGMENT_DEPTH = 32;
  static final int MAX_JSON_DEPTH = 100;

  private static final OneObject FRAME = new OneObject(MAX_JSON_DEPTH, MAX_DOCUMENT_BYTES, "segment document");

  private final Fields fields = new Fields();
  private final Blocks blocks = new Blocks(fields);
  private final Causes causes = new Causes(fields);

  /** Parses a document given as text (API responses carry documents as JSON strings). */
  public Segment parse(String json) throws DocumentParseException {
    return parse(json, MAX_DOCUMENT_BYTES);
  }

  /** As {@link #parse(String)}, refusing a text over {@code maxBytes} UTF-8 bytes (at most {@link #MAX_DOCUMENT_BYTES}) before reading it. */
  public Segment parse(String json, int maxBytes) throws DocumentParseException {
    return FRAME.read(json, Math.min(maxBytes, MAX_DOCUMENT_BYTES), p -> segment(p, 0));
  }

  /** At START_OBJECT of a (sub)segment; returns after its END_OBJECT. */
  private Segment segment(JsonParser p, int depth) throws DocumentParseException {
    if (depth > MAX_SUBSEGMENT_DEPTH) {
      throw new DocumentParseException(
          DocumentReason.TOO_DEEP, "Too deep: subsegments nested more than " + MAX_SUBSEGMENT_DEPTH + " levels");
    }
    String id = "", name = "", traceId = "", parentId = "", type = "", start = "", end = "";
    String origin = "", namespace = "", resourceArn = "", user = "";
    boolean inProgress = false, inferred = false;
    Tri fault = Tri.ABSENT, error = Tri.ABSENT, throttle = Tri.ABSENT, traced = Tri.ABSENT;
    Http http = Http.NONE;
    List<Entry> aws = List.of(), sql = List.of(), annotations = List.of(), metadata = List.of(), service = List.of();
    DatadogBlock datadog = DatadogBlock.NONE;
    Cause cause = Cause.NONE;
    List<String> precursors = List.of();
    List<Link> links = List.of();
    List<Segment> subsegments = List.of();
    List<String> repairs = new ArrayList<>(0);

    String field;
    while ((field = Fields.nextMember(p)) != null) {
      JsonToken t = p.currentToken();
      switch (field) {
        case "id" -> id = Fields.string(p, t, field, repairs);
        case "name" -> name = fields.categorical(p, t, field, repairs);
        case "trace_id" -> traceId = Fields.string(p, t, field, repairs);
        case "parent_id" -> parentId = Fields.string(p, t, field, repairs);
        case "type" -> type = fields.categorical(p, t, field, repairs);
        case "origin" -> origin = fields.categorical(p, t, field, repairs);
        case "namespace" -> namespace = fields.categorical(p, t, field, repairs);
        case "resource_arn" -> resourceArn = fields.categorical(p, t, field, repairs);
        case "user" -> user = Fields.string(p, t, field, repairs);
        case "start_time" -> start = Fields.number(p, t, field, repairs);
        case "end_time" -> end = Fields.number(p, t, field, repairs);
        case "in_progress" -> inProgress = Fields.bool(p, t, field, repairs).isTrue();
        case "inferred" -> inferred = Fields.bool(p, t, field, repairs).isTrue();
        case "fault" -> fault = Fields.bool(p, t, field, repairs);
        case "error" -> error = Fields.bool(p, t, field, repairs);
        case "throttle" -> throttle = Fields.bool(p, t, field, repairs);
        case "traced" -> traced = Fields.bool(p, t, field, repairs);
        case "http" -> http = Fields.object(p, t, field, repairs) ? blocks.http(p, repairs) : http;
        case "aws" -> aws = Fields.object(p, t, field, repairs) ? blocks.aws(p) : aws;
        case "sql" -> sql = Fields.object(p, t, field, repairs) ? blocks.scalars(p) : sql;
        case "annotations" -> annotations = Fields.object(p, t, field, repairs) ? blocks.annotations(p, repairs) : annotations;
        case "service" -> service = Fields.object(p, t, field, repairs) ? blocks.scalars(p) : service;
        case "metadata" -> {
          if (Fields.object(p, t, field, repairs)) {
            Blocks.Metadata m = blocks.metadata(p);
            metadata = m.entries();
            datadog = m.datadog();
          }
        }
        case "cause" -> cause = causes.cause(p, t);
        case "precursor_ids" -> precursors = t == JsonToken.START_ARRAY ? blocks.strings(p) : Fields.skipWrong(p, field, repairs, precursors);
        case "links" -> links = t == JsonToken.START_ARRAY ? blocks.links(p) : Fields.skipWrong(p, field, repairs, links);
        case "subsegments" -> {
          if (t == JsonToken.START_ARRAY) {
            List<Segment> subs = new ArrayList<>();
            while (Fields.nextObject(p, field, repairs)) subs.add(segment(p, depth + 1));
            subsegments = subs;
          } else {
            subsegments = Fields.skipWrong(p, field, repairs, subsegments);
          }
        }
        default -> p.skipChildren();
      }
    }
    return new Segment(
        id, name, traceId, parentId, type, start, end, inProgress, origin, namespace, inferred, resourceArn, user,
        fault, error, throttle, traced, http, aws, sql, annotations, metadata, service, datadog, cause, precursors,
        links, subsegments, repairs.isEmpty() ? List.of() : repairs); // copying an empty list still allocates
  }
}
