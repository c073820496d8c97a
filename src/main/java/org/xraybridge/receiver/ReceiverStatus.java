package org.xraybridge.receiver;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of the receiver for health indicators and metrics: what it has taken, what it refused
 * and why, and the last thing that went wrong. Counters are totals since start.
 *
 * <p>Spans are accounted in the ledger ({@code Ledger.received(NATIVE)} and {@code
 * dropped(RECEIVE, …)}); this snapshot counts <em>requests</em>, including the ones whose spans could
 * not be counted because their body was never decoded: {@code oversizedRequests} (413, the body is not
 * read) and {@code refusedPayloads} (overload before decoding, answered 429 or 200 as the Agent
 * does; {@code refusedTraces} sums their {@code X-Datadog-Trace-Count}).
 *
 * @param running whether the server is listening
 * @param port the bound port, or the configured one when not running
 * @param openConnections connections open now
 * @param requests HTTP requests seen, all paths
 * @param infoRequests {@code GET /info} answered (tracers' feature discovery)
 * @param tracePayloads trace payloads decoded (accepted or not)
 * @param acceptedPayloads trace payloads whose chunks the next stage took
 * @param acceptedSpans spans the next stage took
 * @param lastAcceptedAt when a trace payload was last taken, {@link Instant#EPOCH} if never
 * @param malformedRequests answered 400 (bad body) or 415 (unsupported content encoding)
 * @param oversizedRequests answered 413
 * @param overloadedRequests trace or stats requests the pipeline could not take (429, or 200 as the
 *     Agent answers tracers that did not ask for real statuses)
 * @param refusedPayloads trace payloads refused before decoding because the decode budget was full
 * @param refusedTraces {@code X-Datadog-Trace-Count} of the refused payloads
 * @param timedOutRequests requests closed by the read timeout
 * @param notFoundRequests answered 404 (unknown path) or 405 (wrong method)
 * @param forbiddenRequests answered 403 (browser cross-site requests)
 * @param refusedConnections connections closed on accept because {@code maxConnections} were open
 * @param traceCountMismatches payloads whose {@code X-Datadog-Trace-Count} disagreed with the body
 *     (the body wins) or was not a number
 * @param statsPayloads {@code /v0.6/stats} bodies handed on
 * @param telemetryDiscarded {@code /telemetry/proxy/} requests answered 202 and discarded
 * @param lastError the last refusal or failure, {@code ""} if none
 * @param lastErrorAt when, {@link Instant#EPOCH} if never
 */
public record ReceiverStatus(
    boolean running,
    int port,
    int openConnections,
    long requests,
    long infoRequests,
    long tracePayloads,
    long acceptedPayloads,
    long acceptedSpans,
    Instant lastAcceptedAt,
    long malformedRequests,
    long oversizedRequests,
    long overloadedRequests,
    long refusedPayloads,
    long refusedTraces,
    long timedOutRequests,
    long notFoundRequests,
    long forbiddenRequests,
    long refusedConnections,
    long traceCountMismatches,
    long statsPayloads,
    long telemetryDiscarded,
    String lastError,
    Instant lastErrorAt) {

  public ReceiverStatus {
    Objects.requireNonNull(lastAcceptedAt, "lastAcceptedAt == null");
    Objects.requireNonNull(lastError, "lastError == null");
    Objects.requireNonNull(lastErrorAt, "lastErrorAt == null");
  }
}
