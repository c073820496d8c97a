package org.xraybridge.model;


/**
 * The families of a Datadog Agent's HTTP API that the bridge does not serve itself (it serves {@code
 * /info}, the v0.3–v0.5 trace endpoints and {@code /v0.6/stats}): what each request is relayed,
 * sent to the intake or answered as, and counted by. The paths are the Agent's routes
 * (docs/receiver.md, "Everything else a tracer sends").
 */
public enum AgentEndpoint implements MetricTag {
  /** {@code /v0.7/config}: remote configuration polls. */
  REMOTE_CONFIG,
  /** {@code /telemetry/proxy/…}: instrumentation telemetry. */
  TELEMETRY,
  /** {@code /profiling/v1/input}: profile uploads. */
  PROFILING,
  /** {@code /dogstatsd/v1/proxy}, {@code /dogstatsd/v2/proxy}: DogStatsD over HTTP. */
  DOGSTATSD,
  /** {@code /evp_proxy/v1/…} to {@code v4}: CI visibility, LLM observability and other event platform tracks. */
  EVP_PROXY,
  /** {@code /debugger/v1/input}, {@code /debugger/v1/diagnostics}, {@code /debugger/v2/input}: dynamic instrumentation. */
  DEBUGGER,
  /** {@code /symdb/v1/input}: symbol uploads. */
  SYMDB,
  /** {@code /v0.1/pipeline_stats}: Data Streams. */
  PIPELINE_STATS,
  /** {@code /openlineage/api/v1/lineage}. */
  OPENLINEAGE,
  /** {@code /tracer_flare/v1}. */
  TRACER_FLARE,
  /** Trace endpoints the bridge does not decode ({@code /v0.7/traces}, {@code /v1.0/traces}, the legacy ones). */
  OTHER_TRACES,
  /** Any other path. */
  OTHER;

  /** The family of a request path (without its query). */
  public static AgentEndpoint of(String path) {
    if (path.equals("/v0.7/config")) return REMOTE_CONFIG;
    if (path.startsWith("/telemetry/proxy/")) return TELEMETRY;
    if (path.equals("/profiling/v1/input")) return PROFILING;
    if (path.equals("/dogstatsd/v1/proxy") || path.equals("/dogstatsd/v2/proxy")) return DOGSTATSD;
    if (path.startsWith("/evp_proxy/v")) return EVP_PROXY;
    if (path.startsWith("/debugger/")) return DEBUGGER;
    if (path.equals("/symdb/v1/input")) return SYMDB;
    if (path.equals("/v0.1/pipeline_stats")) return PIPELINE_STATS;
    if (path.equals("/openlineage/api/v1/lineage")) return OPENLINEAGE;
    if (path.equals("/tracer_flare/v1")) return TRACER_FLARE;
    if (path.equals("/spans") || path.equals("/services") || path.startsWith("/v0.1/") || path.startsWith("/v0.2/")
        || path.endsWith("/traces") || path.endsWith("/services")) {
      return OTHER_TRACES;
    }
    return OTHER;
  }
}
