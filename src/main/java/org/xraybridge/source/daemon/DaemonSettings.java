package org.xraybridge.source.daemon;

import java.time.Duration;
import java.util.Objects;

/**
 * How the X-Ray daemon input behaves: the constructor arguments the {@code config} package builds
 * from the {@code bridge.daemon.*} keys. Every rule fails with a message naming the field (the config
 * layer names the key); {@link #defaults()} gives the documented defaults.
 *
 * <h2>Assembly</h2>
 * The pieces of one trace (segments, in-progress segments, independent subsegments) are held together
 * and converted as one chunk: when the trace has a segment and nothing arrived for
 * {@code quietPeriod}, or at the latest {@code assemblyWindow} after its first piece. Independent
 * subsegments whose segment has not arrived (streamed subsegments of a long request) wait up to
 * {@code orphanWindow}, so they take the segment's service. Pieces that arrive after a chunk left
 * follow as further chunks, with the delivered documents as context for {@code deliveredTtl}.
 *
 * <h2>Memory</h2>
 * At most {@code maxTraces} traces, {@code maxDocuments} documents and {@code maxBytes} bytes of
 * document text are buffered (assembling, held in progress, or waiting for the merge stage); at a
 * cap the oldest trace is flushed early. The hand-off from the network thread holds at most
 * {@code maxQueuedDatagrams} datagrams and {@code maxBytes / 4} bytes; delivered context at most
 * {@code maxContextBytes}. So the daemon input needs about
 * {@code 1.25 × maxBytes + maxContextBytes} plus the converted spans of the chunks waiting.
 *
 * <table>
 *   <caption>Defaults and why</caption>
 *   <tr><th>field</th><th>key</th><th>default</th><th>why</th></tr>
 *   <tr><td>bindHost</td><td>bridge.daemon.host</td><td>127.0.0.1</td><td>what the X-Ray daemon binds: SDKs on the same host; {@code 0.0.0.0} in the container image</td></tr>
 *   <tr><td>port</td><td>bridge.daemon.port</td><td>2000</td><td>the SDKs' default {@code AWS_XRAY_DAEMON_ADDRESS}; 0 = any free port (tests)</td></tr>
 *   <tr><td>relayTo</td><td>bridge.daemon.relay-to</td><td>"" (off)</td><td>{@code host:port} of a real X-Ray daemon that gets every datagram unchanged</td></tr>
 *   <tr><td>quietPeriod</td><td>bridge.daemon.quiet-period</td><td>1s</td><td>the X-Ray daemon's own idle flush; an SDK sends a request's documents within milliseconds, 1 s also lets the other services of the trace that report here arrive</td></tr>
 *   <tr><td>assemblyWindow</td><td>bridge.daemon.assembly-window</td><td>5s</td><td>bounds the delay of a trace whose pieces keep trickling in</td></tr>
 *   <tr><td>orphanWindow</td><td>bridge.daemon.orphan-window</td><td>30s</td><td>streamed subsegments arrive before their segment; converted without it they would name their own service</td></tr>
 *   <tr><td>inProgressTimeout</td><td>bridge.xray.in-progress-timeout</td><td>10m</td><td>the converter's rule (MAPPING.md §2): a held in-progress document is converted again after this and emitted as it is</td></tr>
 *   <tr><td>deliveredTtl</td><td>bridge.daemon.delivered-ttl</td><td>5m</td><td>asynchronous work may end minutes after the response; its subsegments still get the right service</td></tr>
 *   <tr><td>maxTraces</td><td>bridge.daemon.max-traces</td><td>10000</td><td>10,000 datagrams a second with a 1 s quiet period keep a few thousand traces open</td></tr>
 *   <tr><td>maxDocuments</td><td>bridge.daemon.max-documents</td><td>100000</td><td>5 s of that rate at ten documents a trace</td></tr>
 *   <tr><td>maxBytes</td><td>bridge.daemon.max-bytes</td><td>64 MiB</td><td>the same at the SDKs' typical 1–2 KB a document, with room for large ones</td></tr>
 *   <tr><td>maxContextBytes</td><td>bridge.daemon.max-context-bytes</td><td>16 MiB</td><td>context only improves late pieces; evicting it loses no span</td></tr>
 *   <tr><td>maxQueuedDatagrams</td><td>bridge.daemon.max-queued-datagrams</td><td>8192</td><td>about 0.8 s of 10,000 datagrams a second between the network thread and the assembler</td></tr>
 *   <tr><td>receiveBufferBytes</td><td>bridge.daemon.receive-buffer</td><td>4 MiB</td><td>absorbs bursts in the kernel ({@code SO_RCVBUF}; capped by {@code net.core.rmem_max}, the effective size is logged)</td></tr>
 *   <tr><td>tick</td><td>bridge.daemon.tick</td><td>100ms</td><td>granularity of the deadlines above and of retries while the merge stage is full</td></tr>
 *   <tr><td>stopTimeout</td><td>bridge.daemon.stop-timeout</td><td>5s</td><td>how long a stop keeps offering what is buffered before counting it dropped</td></tr>
 * </table>
 *
 * <p>An {@code ""} string means "not set"; nothing here is null.
 */
public record DaemonSettings(
    String bindHost,
    int port,
    String relayTo,
    Duration quietPeriod,
    Duration assemblyWindow,
    Duration orphanWindow,
    Duration inProgressTimeout,
    Duration deliveredTtl,
    int maxTraces,
    int maxDocuments,
    long maxBytes,
    long maxContextBytes,
    int maxQueuedDatagrams,
    int receiveBufferBytes,
    Duration tick,
    Duration stopTimeout) {

  /** The largest datagram the daemon accepts (WIRE.md §A8: the X-Ray daemon's 64 KiB receive buffer). */
  public static final int MAX_DATAGRAM_BYTES = 64 * 1024;
  /** {@code maxBytes} must hold at least this much, or a single large document could not be buffered. */
  static final long MIN_MAX_BYTES = 4L * MAX_DATAGRAM_BYTES;

  public DaemonSettings {
    Objects.requireNonNull(bindHost, "bindHost == null");
    if (bindHost.isBlank()) throw new IllegalArgumentException("bindHost: must be set, e.g. 127.0.0.1 or 0.0.0.0");
    if (port < 0 || port > 65_535) throw new IllegalArgumentException("port: expected 0..65535, got " + port);
    Objects.requireNonNull(relayTo, "relayTo == null");
    if (!relayTo.isEmpty()) RelayAddress.parse(relayTo); // fails with a message that quotes the value
    positive(quietPeriod, "quietPeriod");
    positive(assemblyWindow, "assemblyWindow");
    positive(orphanWindow, "orphanWindow");
    if (assemblyWindow.compareTo(quietPeriod) < 0) {
      throw new IllegalArgumentException(
          "assemblyWindow (" + assemblyWindow + ") must be >= quietPeriod (" + quietPeriod + ")");
    }
    if (orphanWindow.compareTo(assemblyWindow) < 0) {
      throw new IllegalArgumentException(
          "orphanWindow (" + orphanWindow + ") must be >= assemblyWindow (" + assemblyWindow + ")");
    }
    positive(inProgressTimeout, "inProgressTimeout");
    positive(deliveredTtl, "deliveredTtl");
    if (maxTraces < 1) throw new IllegalArgumentException("maxTraces: expected >= 1, got " + maxTraces);
    if (maxDocuments < 1) throw new IllegalArgumentException("maxDocuments: expected >= 1, got " + maxDocuments);
    if (maxBytes < MIN_MAX_BYTES) {
      throw new IllegalArgumentException(
          "maxBytes: expected >= " + MIN_MAX_BYTES + " (four 64 KiB datagrams), got " + maxBytes);
    }
    if (maxContextBytes < 0) throw new IllegalArgumentException("maxContextBytes: expected >= 0, got " + maxContextBytes);
    if (maxQueuedDatagrams < 1) {
      throw new IllegalArgumentException("maxQueuedDatagrams: expected >= 1, got " + maxQueuedDatagrams);
    }
    if (receiveBufferBytes < MAX_DATAGRAM_BYTES + 1) {
      throw new IllegalArgumentException(
          "receiveBufferBytes: expected >= " + (MAX_DATAGRAM_BYTES + 1) + ", got " + receiveBufferBytes);
    }
    positive(tick, "tick");
    if (tick.compareTo(quietPeriod) > 0) {
      throw new IllegalArgumentException("tick (" + tick + ") must be <= quietPeriod (" + quietPeriod + ")");
    }
    positive(stopTimeout, "stopTimeout");
  }

  /** The documented defaults (see the class comment). */
  public static DaemonSettings defaults() {
    return new DaemonSettings(
        "127.0.0.1",
        2000,
        "",
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        Duration.ofMinutes(10),
        Duration.ofMinutes(5),
        10_000,
        100_000,
        64L * 1024 * 1024,
        16L * 1024 * 1024,
        8_192,
        4 * 1024 * 1024,
        Duration.ofMillis(100),
        Duration.ofSeconds(5));
  }

  public DaemonSettings withBind(String host, int port) {
    return new DaemonSettings(host, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  public DaemonSettings withRelayTo(String relayTo) {
    return new DaemonSettings(bindHost, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  /** The assembly timing: quiet period, window, orphan window and the tick that checks them. */
  public DaemonSettings withTiming(Duration quietPeriod, Duration assemblyWindow, Duration orphanWindow, Duration tick) {
    return new DaemonSettings(bindHost, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  public DaemonSettings withCaps(int maxTraces, int maxDocuments, long maxBytes) {
    return new DaemonSettings(bindHost, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  public DaemonSettings withInProgressTimeout(Duration inProgressTimeout) {
    return new DaemonSettings(bindHost, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  public DaemonSettings withContext(Duration deliveredTtl, long maxContextBytes) {
    return new DaemonSettings(bindHost, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  public DaemonSettings withQueue(int maxQueuedDatagrams) {
    return new DaemonSettings(bindHost, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  public DaemonSettings withStopTimeout(Duration stopTimeout) {
    return new DaemonSettings(bindHost, port, relayTo, quietPeriod, assemblyWindow, orphanWindow, inProgressTimeout,
        deliveredTtl, maxTraces, maxDocuments, maxBytes, maxContextBytes, maxQueuedDatagrams, receiveBufferBytes, tick,
        stopTimeout);
  }

  private static void positive(Duration d, String field) {
    Objects.requireNonNull(d, field + " == null");
    if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(field + ": expected > 0, got " + d);
  }
}
