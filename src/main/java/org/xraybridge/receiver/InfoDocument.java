package org.xraybridge.receiver;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.model.PassThrough;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code GET /info} body and its state hash (docs/receiver.md, "/info"). Tracers act on every
 * field, so it says exactly what the Agent behind the bridge supports, and what the bridge needs:
 *
 * <ul>
 *   <li>With an Agent that answers its own {@code /info}: the Agent's document, with the trace
 *       endpoints the bridge serves in place of the Agent's (a trace sent to another one would go
 *       around the stitch), and the flags and limits below set to the bridge's.
 *   <li>Otherwise (no Agent, or it cannot be reached): the bridge's own document, listing its trace
 *       endpoints, {@code /v0.6/stats} and what the pass-through serves (intake mode: telemetry and
 *       profiling); no {@code /v0.7/config}, so tracers do not poll remote configuration.
 * </ul>
 *
 * <p>Always: {@code client_drop_p0s: false} (tracers send every trace, priority 0 included, which the
 * bridge needs to make its one sampling decision with both halves in view; dd-trace-java also keeps
 * client-side stats off); {@code span_meta_structs: true} (passed through); {@code span_events: false}
 * (the decoder skips native span events, so tracers keep sending them as the meta tag {@code events});
 * {@code long_running_spans: false} (partial re-sends of the same span ids would be counted as
 * duplicates downstream); {@code config} has the bridge's port and limits, and no {@code statsd_port}
 * (tracers would send DogStatsD datagrams to the bridge's host, which relays none).
 *
 * <p>{@code Datadog-Agent-State} is the lower-case hex SHA-256 of these exact bytes; dd-trace-java
 * re-reads {@code /info} whenever a trace response carries a different state, so a change of the
 * Agent's document (or its loss) reaches tracers on their next flush.
 */
final class InfoDocument {

  /**
   * The Agent release whose receiver API the bridge's own document imitates. Tracers gate features on
   * it (dd-trace-java wants ≥ 7.65.0 for client-side stats, which {@code client_drop_p0s: false}
   * keeps off anyway); with an Agent behind the bridge, the Agent's own version is told.
   */
  static final String AGENT_VERSION = "7.66.1";

  /** The trace endpoints the receiver serves itself, and the stats endpoint. */
  static final List<String> ENDPOINTS = List.of("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final byte[] body;
  private final String state;
  private final String version;
  private final boolean fromAgent;

  private InfoDocument(byte[] body, String version, boolean fromAgent) {
    this.body = body;
    this.state = sha256Hex(body);
    this.version = version;
    this.fromAgent = fromAgent;
  }

  /** The document for {@code discovery}: the Agent's, rewritten, when it answered and is a JSON object; else the bridge's own. */
  static InfoDocument of(ReceiverSettings settings, int boundPort, PassThrough.Discovery discovery) {
    if (discovery.agentAnswered()) {
      try {
        JsonNode agent = JSON.readTree(discovery.agentInfo());
        if (agent instanceof ObjectNode o) return fromAgent(o, settings, boundPort);
      } catch (JacksonException e) {
        // not JSON: tracers get the bridge's own document, as when the Agent cannot be reached
      }
    }
    return own(settings, boundPort, discovery.endpoints());
  }

  private static InfoDocument own(ReceiverSettings settings, int boundPort, List<String> extra) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("version", AGENT_VERSION).put("git_commit", "");
    ArrayNode endpoints = doc.putArray("endpoints");
    for (String e : ENDPOINTS) endpoints.add(e);
    for (String e : extra) endpoints.add(e);
    bridgeFlags(doc);
    limits(doc.putObject("config"), settings, boundPort);
    doc.putArray("peer_tags");
    return new InfoDocument(JSON.writeValueAsBytes(doc), AGENT_VERSION, false);
  }

  private static InfoDocument fromAgent(ObjectNode doc, ReceiverSettings settings, int boundPort) {
    Set<String> endpoints = new LinkedHashSet<>(ENDPOINTS);
    for (JsonNode e : doc.path("endpoints")) {
      String path = e.asString("");
      String normalized = path.startsWith("/") ? path : "/" + path;
      // trace endpoints the bridge does not decode are left out: tracers use the ones it serves
      if (!path.isEmpty() && AgentEndpoint.of(normalized) != AgentEndpoint.OTHER_TRACES) endpoints.add(path);
    }
    ArrayNode list = JSON.createArrayNode();
    for (String e : endpoints) list.add(e);
    doc.set("endpoints", list);
    bridgeFlags(doc);
    ObjectNode config = doc.get("config") instanceof ObjectNode c ? c : doc.putObject("config");
    config.remove("statsd_port");
    limits(config, settings, boundPort);
    String version = doc.path("version").asString("");
    return new InfoDocument(JSON.writeValueAsBytes(doc), version.isEmpty() ? AGENT_VERSION : version, true);
  }

  private static void bridgeFlags(ObjectNode doc) {
    doc.put("client_drop_p0s", false).put("span_meta_structs", true).put("long_running_spans", false).put("span_events", false);
  }

  private static void limits(ObjectNode config, ReceiverSettings settings, int boundPort) {
    config.put("receiver_port", boundPort).put("receiver_socket", "")
        .put("connection_limit", settings.connections().maxConnections())
        .put("receiver_timeout", Math.max(1, settings.readTimeout().toSeconds()))
        .put("max_request_bytes", settings.maxBodyBytes());
  }

  /** The body; shared, never to be modified. */
  byte[] body() {
    return body;
  }

  String state() {
    return state;
  }

  /** The version answers carry in {@code Datadog-Agent-Version}: the Agent's when the document is. */
  String version() {
    return version;
  }

  /** Whether it is the Agent's document (rewritten) rather than the bridge's own. */
  boolean fromAgent() {
    return fromAgent;
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
