package org.xraybridge.convert.json;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.model.Half;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.XRayDocuments;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads what a user hands the {@code convert} tool: a BatchGetTraces response (the JSON that
 * {@code aws xray batch-get-traces} prints, documents as JSON strings) or one bare segment document.
 */
public final class ConvertInput {

  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  private ConvertInput() {}

  /** What the input turned out to be. */
  public sealed interface Result permits Traces, NotASegment, Unreadable {}

  /** One entry per {@code Traces[]} element, or one for a bare document. */
  public record Traces(List<XRayDocuments> traces) implements Result {}

  /** Valid JSON, but neither a BatchGetTraces response nor a segment document. */
  public record NotASegment(String message) implements Result {}

  /** Not JSON at all. */
  public record Unreadable(String message) implements Result {}

  public static Result read(byte[] json) {
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return new NotASegment("Not a segment document: the top level is not an object");
      }
      boolean hasTraces = false;
      boolean looksLikeSegment = false;
      List<XRayDocuments> traces = new ArrayList<>();
      String field;
      while ((field = p.nextName()) != null) {
        JsonToken t = p.nextToken();
        switch (field) {
          case "Traces" -> {
            if (t != JsonToken.START_ARRAY) return new NotASegment("Not a BatchGetTraces response: Traces is not an array");
            hasTraces = true;
            while (p.nextToken() == JsonToken.START_OBJECT) traces.add(trace(p));
          }
          case "id", "trace_id", "name", "start_time" -> {
            looksLikeSegment = true;
            p.skipChildren();
          }
          default -> p.skipChildren();
        }
      }
      if (hasTraces) return new Traces(traces);
      if (looksLikeSegment) {
        return new Traces(
            List.of(new XRayDocuments("", List.of(new SegmentDocument("", new String(json, java.nio.charset.StandardCharsets.UTF_8))), Half.XRAY_POLL, false)));
      }
      return new NotASegment("Not a segment document or BatchGetTraces response (no Traces, id, trace_id or name)");
    } catch (JacksonException e) {
      String m = e.getOriginalMessage();
      return new Unreadable("Malformed JSON: " + (m == null ? "unreadable" : m.lines().findFirst().orElse(m)));
    }
  }

  /** At the START_OBJECT of a {@code Traces[]} element. */
  private static XRayDocuments trace(JsonParser p) {
    String id = "";
    boolean limitExceeded = false;
    List<SegmentDocument> docs = new ArrayList<>();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken t = p.nextToken();
      switch (field) {
        case "Id" -> id = t == JsonToken.VALUE_STRING ? p.getString() : skip(p);
        case "LimitExceeded" -> limitExceeded = t == JsonToken.VALUE_TRUE;
        case "Segments" -> {
          if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            break;
          }
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String segId = "";
            String doc = "";
            String f;
            while ((f = p.nextName()) != null) {
              JsonToken v = p.nextToken();
              if ("Id".equals(f) && v == JsonToken.VALUE_STRING) {
                segId = p.getString();
              } else if ("Document".equals(f) && v == JsonToken.VALUE_STRING) {
                doc = p.getString();
              } else {
                p.skipChildren();
              }
            }
            docs.add(new SegmentDocument(segId, doc));
          }
        }
        default -> p.skipChildren();
      }
    }
    return new XRayDocuments(id, docs, Half.XRAY_POLL, limitExceeded);
  }

  private static String skip(JsonParser p) {
    p.skipChildren();
    return "";
  }
}
