package org.xraybridge.source.daemon;

import java.util.Map;

/**
 * What the X-Ray daemon input has done since it started, for health details and tests. A snapshot:
 * each number is read on its own, so two of them may be a few datagrams apart under load.
 *
 * @param running the port is open and the assembler thread alive
 * @param port the bound UDP port (0 before start)
 * @param datagramsReceived every datagram read from the socket
 * @param datagramsAccepted datagrams whose document was taken for assembly
 * @param datagramsRejected the others, by {@code DatagramOutcome} tag ({@code malformed_header},
 *     {@code unknown_format}, {@code missing_body}, {@code oversize}, {@code undecodable},
 *     {@code overloaded}); only reasons above zero
 * @param datagramsQueued accepted, handed off by the network thread, not yet assembled
 * @param tracesBuffered traces assembling or holding in-progress documents, plus chunks waiting for
 *     the merge stage
 * @param documentsBuffered documents assembling, held in progress, or in waiting chunks
 * @param bytesBuffered their bytes
 * @param chunksAwaitingSink converted chunks the merge stage refused so far (retried every tick)
 * @param inProgressHeld in-progress documents held until their complete version or timeout
 * @param contextTraces traces whose delivered documents are kept as context for late pieces
 * @param contextBytes their bytes
 * @param documents what became of accepted documents, by {@code DocumentOutcome} tag; only above zero
 * @param flushes chunks converted, by {@code FlushReason} tag; only above zero
 * @param lastDatagramEpochMillis when the last datagram was read; 0 = none yet
 * @param relayed datagrams relayed to {@code relayTo}
 * @param relayErrors relay writes that failed, or were refused because the relay backlog was full
 * @param relaySkipped oversize datagrams not relayed (the read cut them)
 * @param kernelDrops datagrams the kernel dropped for this socket (buffer full); -1 = unknown
 */
public record DaemonStatus(
    boolean running,
    int port,
    long datagramsReceived,
    long datagramsAccepted,
    Map<String, Long> datagramsRejected,
    long datagramsQueued,
    long tracesBuffered,
    long documentsBuffered,
    long bytesBuffered,
    long chunksAwaitingSink,
    long inProgressHeld,
    long contextTraces,
    long contextBytes,
    Map<String, Long> documents,
    Map<String, Long> flushes,
    long lastDatagramEpochMillis,
    long relayed,
    long relayErrors,
    long relaySkipped,
    long kernelDrops) {

  public DaemonStatus {
    datagramsRejected = Map.copyOf(datagramsRejected);
    documents = Map.copyOf(documents);
    flushes = Map.copyOf(flushes);
  }

  /** Datagrams rejected for any reason. */
  public long datagramsRejectedTotal() {
    long sum = 0;
    for (long v : datagramsRejected.values()) sum += v;
    return sum;
  }
}
