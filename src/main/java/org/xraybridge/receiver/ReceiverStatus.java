package org.xraybridge.receiver;

import java.time.Instant;
import java.util.Objects;

/**
 * The receiver's state for a health indicator. Counts are not here: spans are in the ledger, requests
 * and connections in the {@link ReceiverMetrics}.
 *
 * @param running whether the server is listening
 * @param port the bound port, or the configured one when not running
 * @param openConnections connections open now
 * @param lastAcceptedAt when the next stage last took a trace payload's spans, {@link Instant#EPOCH} if never
 * @param lastError the last refusal or failure, {@code ""} if none
 * @param lastErrorAt when, {@link Instant#EPOCH} if never
 */
public record ReceiverStatus(
    boolean running, int port, int openConnections, Instant lastAcceptedAt, String lastError, Instant lastErrorAt) {

  public ReceiverStatus {
    Objects.requireNonNull(lastAcceptedAt, "lastAcceptedAt == null");
    Objects.requireNonNull(lastError, "lastError == null");
    Objects.requireNonNull(lastErrorAt, "lastErrorAt == null");
  }
}
