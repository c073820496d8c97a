package org.xraybridge.receiver;

import java.time.Duration;

/**
 * How the receiver listens and what it bounds: its constructor arguments. The wiring validates them
 * ({@code config.ReceiverProperties}, {@code bridge.receiver.*}) and derives what is not configured.
 *
 * @param host address to bind
 * @param port TCP port; 0 picks a free one
 * @param maxBodyBytes largest request body taken; larger ones are answered 413 (the Agent's
 *     {@code max_payload_size})
 * @param readTimeout longest wait for body bytes; then the request is answered 408 and the connection
 *     closed (the Agent's {@code receiver_timeout})
 * @param maxConnections open connections at most; further ones are closed on accept and counted
 * @param decodeThreads threads that decode large bodies off the event loops
 * @param maxBufferedBytes request bytes held in memory at once, over all requests (read, waiting for
 *     a decoder, or being decoded); a request that does not fit is answered as overloaded
 */
public record ReceiverSettings(
    String host,
    int port,
    long maxBodyBytes,
    Duration readTimeout,
    int maxConnections,
    int decodeThreads,
    long maxBufferedBytes) {}
