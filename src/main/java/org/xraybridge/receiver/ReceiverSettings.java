package org.xraybridge.receiver;

import java.time.Duration;
import java.util.Objects;

/**
 * How the receiver listens and what it bounds: its constructor arguments. The wiring validates them
 * ({@code config.ReceiverProperties}, {@code bridge.receiver.*}) and derives what is not configured.
 *
 * @param host address to bind
 * @param port TCP port; 0 picks a free one
 * @param maxBodyBytes largest request body taken; larger ones are answered 413 (the Agent's
 *     {@code max_payload_size})
 * @param readTimeout longest gap between body bytes; then the request is answered 408 and the
 *     connection closed (the Agent's {@code receiver_timeout}). Also the window of the minimum pace
 * @param minBodyBytesPerSecond the slowest a body may arrive, on average over each {@code readTimeout};
 *     slower is answered 408 ({@link BodyPace})
 * @param connections connection count, per-address, header and idle limits ({@link ConnectionPolicy})
 * @param decodeThreads threads that decode large bodies off the event loops
 * @param maxBufferedBytes request bytes held in memory at once, over all requests (read, waiting for
 *     a decoder, or being decoded), half of it at most for one remote address; a request that does
 *     not fit is answered as overloaded
 * @param keepBytes whether v0.4 spans keep their wire bytes for the next hop (docs/receiver.md, "Bytes
 *     through"), else they are decoded whole (tests compare the two)
 */
public record ReceiverSettings(
    String host,
    int port,
    long maxBodyBytes,
    Duration readTimeout,
    long minBodyBytesPerSecond,
    ConnectionLimits connections,
    int decodeThreads,
    long maxBufferedBytes,
    boolean keepBytes) {

  /** Settings whose v0.4 spans are decoded whole (tests). */
  public ReceiverSettings(String host, int port, long maxBodyBytes, Duration readTimeout, long minBodyBytesPerSecond,
      ConnectionLimits connections, int decodeThreads, long maxBufferedBytes) {
    this(host, port, maxBodyBytes, readTimeout, minBodyBytesPerSecond, connections, decodeThreads, maxBufferedBytes, false);
  }

  public ReceiverSettings {
    Objects.requireNonNull(host, "host == null");
    Objects.requireNonNull(readTimeout, "readTimeout == null");
    Objects.requireNonNull(connections, "connections == null");
  }
}
