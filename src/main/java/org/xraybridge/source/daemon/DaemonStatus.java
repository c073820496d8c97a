package org.xraybridge.source.daemon;

/**
 * The X-Ray daemon input's state, for health and tests; its counts are the metrics'. Each number is
 * read on its own, so two of them may be a few datagrams apart under load.
 *
 * @param running the port is open and the assembler thread alive
 * @param port the bound UDP port (0 before start)
 * @param datagramsQueued accepted, handed off by the network thread, not yet assembled
 * @param lastDatagramEpochMillis when the last datagram was read; 0 = none yet
 * @param kernelDrops datagrams the kernel dropped for this socket (buffer full); -1 = unknown
 * @see DaemonLevels for the other fields
 */
public record DaemonStatus(
    boolean running,
    int port,
    long datagramsQueued,
    long tracesBuffered,
    long documentsBuffered,
    long bytesBuffered,
    long chunksAwaitingSink,
    long inProgressHeld,
    long contextTraces,
    long contextBytes,
    long lastDatagramEpochMillis,
    long kernelDrops) {

  static DaemonStatus of(boolean running, int port, long queued, DaemonLevels l, long lastDatagramEpochMillis, long kernelDrops) {
    return new DaemonStatus(running, port, queued, l.tracesBuffered(), l.documentsBuffered(), l.bytesBuffered(),
        l.chunksAwaitingSink(), l.inProgressHeld(), l.contextTraces(), l.contextBytes(), lastDatagramEpochMillis, kernelDrops);
  }
}
