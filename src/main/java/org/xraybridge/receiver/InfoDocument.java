package org.xraybridge.receiver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The {@code GET /info} body and its state hash (docs/receiver.md, "/info"). It advertises only what
 * the receiver implements, because tracers act on every field:
 *
 * <ul>
 *   <li>{@code endpoints}: the trace endpoints, {@code /v0.6/stats} (handed to the forward stage) and
 *       {@code /telemetry/proxy/} (accepted, discarded). No {@code /v0.7/config}, so tracers do not
 *       poll remote configuration; no EVP, profiling, debugger or data-streams proxies.
 *   <li>{@code client_drop_p0s: false}: tracers then send every trace, priority 0 included, which the
 *       bridge needs to make its one sampling decision with both halves in view. (dd-trace-java also
 *       turns client-side stats off without it, so its traces are not pre-aggregated.)
 *   <li>{@code span_meta_structs: true} (passed through); {@code span_events: false} (the decoder skips
 *       native span events, so tracers keep sending them as the meta tag {@code events});
 *       {@code long_running_spans: false} (partial re-sends of the same span ids would be counted as
 *       duplicates downstream).
 *   <li>{@code config}: the limits tracers may size payloads by. No {@code statsd_port}: the bridge
 *       runs no DogStatsD, and tracers keep their default when it is absent.
 * </ul>
 *
 * <p>{@code Datadog-Agent-State} is the lower-case hex SHA-256 of these exact bytes; dd-trace-java
 * re-reads {@code /info} whenever a trace response carries a different state.
 */
final class InfoDocument {

  /**
   * The Agent release whose receiver API this imitates. Tracers gate features on it (dd-trace-java
   * wants ≥ 7.65.0 for client-side stats, which {@code client_drop_p0s: false} keeps off anyway).
   */
  static final String AGENT_VERSION = "7.66.1";

  static final String[] ENDPOINTS = {
    "/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats", "/telemetry/proxy/"
  };

  private final byte[] body;
  private final String state;

  private InfoDocument(byte[] body) {
    this.body = body;
    this.state = sha256Hex(body);
  }

  static InfoDocument of(ReceiverSettings settings, int boundPort) {
    StringBuilder json = new StringBuilder(512);
    json.append("{\"version\":\"").append(AGENT_VERSION).append("\",\"git_commit\":\"\",\"endpoints\":[");
    for (int i = 0; i < ENDPOINTS.length; i++) {
      if (i > 0) json.append(',');
      json.append('"').append(ENDPOINTS[i]).append('"');
    }
    json.append("],\"client_drop_p0s\":false,\"span_meta_structs\":true,\"long_running_spans\":false,")
        .append("\"span_events\":false,\"config\":{\"receiver_port\":").append(boundPort)
        .append(",\"receiver_socket\":\"\",\"connection_limit\":").append(settings.connections().maxConnections())
        .append(",\"receiver_timeout\":").append(Math.max(1, settings.readTimeout().toSeconds()))
        .append(",\"max_request_bytes\":").append(settings.maxBodyBytes())
        .append("},\"peer_tags\":[]}");
    return new InfoDocument(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The body; shared, never to be modified. */
  byte[] body() {
    return body;
  }

  String state() {
    return state;
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
