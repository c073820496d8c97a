package org.xraybridge.forward;

import java.time.Instant;

/**
 * The forward stage's state, for health and the status page: what it is doing and holding now
 * (counts since start are the ledger's and {@link ForwardMetrics}'). Holds no secret: {@code
 * endpoint} has no user info or query, {@code lastFailure} is scrubbed. Instants are {@link
 * Instant#EPOCH} for "never".
 *
 * @param target agent or intake (the wire)
 * @param state NEW, RUNNING, STOPPING or STOPPED
 * @param endpoint base URL of the next hop ("" before the start)
 * @param circuitState CLOSED, OPEN or HALF_OPEN (resilience4j names)
 * @param failureRatePercent failure rate over the circuit's window, or 0 before it has enough calls
 * @param lastSuccessAt when the next hop last answered 2xx
 * @param lastFailureAt when an attempt last failed (network error, 408, 429, 5xx)
 * @param lastFailure what that failure was, e.g. {@code HTTP 503 …} or {@code ConnectException: …}
 * @param queuedPayloads payloads in the outbox
 * @param queuedBytes their bytes
 * @param saturated whether the outbox is at its bound (the pipeline is refusing new data)
 * @param spoolPayloads payloads in the disk spool
 * @param spoolBytes their bytes on disk
 * @param spoolSpans spans they carry
 * @param inFlightSpans spans taken in and not yet forwarded or dropped (assembler, queue, senders, spool)
 * @param sendersBusy sender threads working on a payload right now
 */
public record ForwarderStatus(
    String target,
    String state,
    String endpoint,
    String circuitState,
    float failureRatePercent,
    Instant lastSuccessAt,
    Instant lastFailureAt,
    String lastFailure,
    int queuedPayloads,
    long queuedBytes,
    boolean saturated,
    int spoolPayloads,
    long spoolBytes,
    long spoolSpans,
    long inFlightSpans,
    int sendersBusy) {}
