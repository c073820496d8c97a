package org.xraybridge.source.daemon;

import java.time.Duration;
import java.util.Objects;

/**
 * The X-Ray daemon input's constructor arguments. The {@code config} package builds them from the
 * {@code bridge.daemon.*} keys (and {@code bridge.xray.in-progress-timeout}), which hold every rule;
 * {@link Tuning} holds what is not configured. How assembly and its caps work, and why each default:
 * docs/xray-source.md "The daemon input".
 *
 * @param bindHost address the UDP port binds
 * @param port UDP port; 0 = any free port
 * @param relayTo {@code host:port} of a real X-Ray daemon that gets every datagram unchanged; {@code ""} = none
 * @param assemblyWindow a trace's documents wait at most this long after its first piece
 * @param orphanWindow subsegments whose segment has not arrived wait this long for it
 * @param inProgressTimeout the converter's: a held in-progress document is converted again after this
 * @param maxTraces cap on traces buffered (assembling, held in progress, or waiting for the merge stage)
 * @param maxDocuments cap on documents buffered
 * @param maxBytes cap on document bytes buffered; the hand-off from the network thread holds a quarter of it
 */
public record DaemonSettings(
    String bindHost,
    int port,
    String relayTo,
    Duration assemblyWindow,
    Duration orphanWindow,
    Duration inProgressTimeout,
    int maxTraces,
    int maxDocuments,
    long maxBytes,
    Tuning tuning) {

  /** The largest datagram the daemon accepts: the X-Ray daemon's 64 KiB receive buffer (docs/xray-source.md). */
  public static final int MAX_DATAGRAM_BYTES = 64 * 1024;

  public DaemonSettings {
    Objects.requireNonNull(bindHost, "bindHost == null");
    Objects.requireNonNull(relayTo, "relayTo == null");
    Objects.requireNonNull(assemblyWindow, "assemblyWindow == null");
    Objects.requireNonNull(orphanWindow, "orphanWindow == null");
    Objects.requireNonNull(inProgressTimeout, "inProgressTimeout == null");
    Objects.requireNonNull(tuning, "tuning == null");
  }

  /**
   * What is not configured; tests shorten it.
   *
   * @param quietPeriod a trace with a segment is converted once nothing arrived for this long; at most
   *     the assembly window, which config checks against the default
   * @param tick granularity of the deadlines and of retries while the merge stage is full; at most the quiet period
   * @param deliveredTtl delivered documents are kept as context for late pieces this long
   * @param maxContextBytes cap on that context
   * @param maxQueuedDatagrams cap on datagrams handed off by the network thread and not yet assembled
   * @param receiveBufferBytes {@code SO_RCVBUF} asked of the kernel (it caps it at {@code net.core.rmem_max})
   * @param stopTimeout how long a stop keeps offering what is buffered before counting it dropped
   */
  public record Tuning(
      Duration quietPeriod,
      Duration tick,
      Duration deliveredTtl,
      long maxContextBytes,
      int maxQueuedDatagrams,
      int receiveBufferBytes,
      Duration stopTimeout) {

    public static final Tuning DEFAULTS =
        new Tuning(
            Duration.ofSeconds(1),
            Duration.ofMillis(100),
            Duration.ofMinutes(5),
            16L * 1024 * 1024,
            8_192,
            4 * 1024 * 1024,
            Duration.ofSeconds(5));
  }
}
