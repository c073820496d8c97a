package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.xraybridge.model.TracerInfo;

/** What a tracer's request headers say, read by the Agent's rules. */
final class RequestHeaders {

  static final String REAL_HTTP_STATUS = "Datadog-Send-Real-Http-Status";
  static final String TRACE_COUNT = "X-Datadog-Trace-Count";

  private RequestHeaders() {}

  /** Whether the tracer wants 429 rather than the Agent's 200 when the receiver is overloaded. */
  static boolean wantsRealStatus(HttpHeaders h) {
    return truthy(h.get(REAL_HTTP_STATUS));
  }

  static TracerInfo tracerInfo(HttpHeaders h) {
    String lang = h.get("Datadog-Meta-Lang");
    String langVersion = h.get("Datadog-Meta-Lang-Version");
    String tracerVersion = h.get("Datadog-Meta-Tracer-Version");
    String container = h.get("Datadog-Container-ID");
    if (container == null) {
      String entity = h.get("Datadog-Entity-ID");
      if (entity != null && entity.startsWith("cid-")) container = entity.substring(4);
    }
    boolean computedStats = truthy(h.get("Datadog-Client-Computed-Stats"));
    if (lang == null && langVersion == null && tracerVersion == null && container == null && !computedStats) return TracerInfo.UNKNOWN;
    return new TracerInfo(nonNull(lang), nonNull(langVersion), nonNull(tracerVersion), nonNull(container), computedStats);
  }

  /** The Agent's rule for its boolean headers: anything but empty and 0/f/F/false/False/FALSE is true. */
  static boolean truthy(String value) {
    if (value == null) return false;
    String v = value.strip();
    return switch (v) {
      case "", "0", "f", "F", "false", "False", "FALSE" -> false;
      default -> true;
    };
  }

  /** The declared body length, -1 when chunked. */
  static long contentLength(HttpHeaders h) {
    String v = h.get(HttpHeaderNames.CONTENT_LENGTH);
    if (v == null) return -1;
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1; // Netty refuses such requests before they get here
    }
  }

  /** A count header as a number; -1 when absent or not a number. */
  static long count(String header) {
    if (header == null) return -1;
    try {
      return Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
