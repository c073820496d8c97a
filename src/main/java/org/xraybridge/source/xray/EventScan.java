package org.xraybridge.source.xray;

import java.util.Locale;
import org.xraybridge.model.IdCodec;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The two ids the logs path files a span record under — its trace (in X-Ray form, the key of the
 * delivered set the X-Ray path shares) and its span id — read from the top level of the log event
 * message without building it. Only a bookkeeping read: the converter judges the record (a record
 * this cannot read is converted alone, and rejected there with its reason).
 */
final class EventScan {

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * @param traceKey the X-Ray trace id ({@code 1-…}), {@code ""} when the record has none in either form
   * @param spanId the span id as written, lower-cased; {@code ""} when absent
   */
  record Ids(String traceKey, String spanId) {
    static final Ids NONE = new Ids("", "");
  }

  private EventScan() {}

  static Ids of(String message) {
    String trace = null;
    String span = null;
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), message)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return Ids.NONE;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
          p.skipChildren();
        } else if (v == JsonToken.VALUE_STRING && name.equals("traceId")) {
          trace = p.getString();
        } else if (v == JsonToken.VALUE_STRING && name.equals("spanId")) {
          span = p.getString();
        }
        if (trace != null && span != null) break;
      }
    } catch (JacksonException e) {
      // what was read stays; the converter says what is wrong with the rest
    }
    String key = "";
    if (trace != null) {
      try {
        key = IdCodec.xrayTraceIdOf(trace);
      } catch (IllegalArgumentException e) {
        key = "";
      }
    }
    return new Ids(key, span == null ? "" : span.toLowerCase(Locale.ROOT));
  }
}
