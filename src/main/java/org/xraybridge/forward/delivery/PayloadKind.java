package org.xraybridge.forward.delivery;

/** What a payload is, and so where and how it is sent. */
public enum PayloadKind {
  /** msgpack v0.4 traces to an Agent (or the embedded sink). */
  AGENT_TRACES("PUT", "/v0.4/traces", false),
  /** A tracer's {@code /v0.6/stats} body, passed to an Agent unchanged. */
  AGENT_STATS("PUT", "/v0.6/stats", false),
  /** protobuf {@code AgentPayload}, gzip, to the trace intake. */
  INTAKE_TRACES("POST", "/api/v0.2/traces", true),
  /** msgpack {@code StatsPayload}, gzip, to the stats intake. */
  INTAKE_STATS("POST", "/api/v0.2/stats", true);

  private final String method;
  private final String path;
  private final boolean intake;

  PayloadKind(String method, String path, boolean intake) {
    this.method = method;
    this.path = path;
    this.intake = intake;
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  /** Sent to the Datadog intake (API key, gzip) rather than to an Agent. */
  public boolean intake() {
    return intake;
  }
}
