package org.xraybridge.source.daemon;

/**
 * The X-Ray daemon input's socket, for health and tests; what it buffers is {@link DaemonLevels},
 * its counts are the metrics'.
 *
 * @param running the port is open and the assembler thread alive
 * @param port the bound UDP port (0 before start)
 * @param datagramsQueued accepted, handed off by the network thread, not yet assembled
 * @param lastDatagramEpochMillis when the last datagram was read; 0 = none yet
 * @param kernelDrops datagrams the kernel dropped for this socket (buffer full); -1 = unknown
 */
public record DaemonStatus(boolean running, int port, long datagramsQueued, long lastDatagramEpochMillis, long kernelDrops) {}
