package org.xraybridge.receiver;

import java.time.Duration;
import java.util.Objects;

/**
 * How the receiver listens and what it bounds. The wiring maps {@code bridge.receiver.*} onto this
 * record; the messages here name the parameter, the wiring's name the key.
 *
 * @param host address to bind; {@code 127.0.0.1} by default so a bridge started on a laptop is not
 *     reachable from the network ({@code 0.0.0.0} in the container image, where tracers in other
 *     containers must reach it)
 * @param port TCP port; 8126 as the Agent; 0 picks a free port (tests)
 * @param maxBodyBytes largest request body taken; larger ones are answered 413 (the Agent's
 *     {@code max_payload_size}, 25 MiB)
 * @param readTimeout longest pause between two reads of one request; then the request is answered
 *     408 and the connection closed (the Agent's {@code receiver_timeout}, 5 s)
 * @param maxConnections open connections at most; further ones are closed on accept and counted
 * @param decodeThreads threads that decode large bodies off the event loops (the Agent uses half the
 *     CPUs for its decoders); small bodies are decoded where they arrive
 * @param maxBufferedBytes request bytes held in memory at once, over all requests (read, waiting for
 *     a decoder, or being decoded); a request that does not fit is answered as overloaded. At least
 *     {@code maxBodyBytes}, so one largest request always fits.
 */
public record ReceiverSettings(
    String host,
    int port,
    long maxBodyBytes,
    Duration readTimeout,
    int maxConnections,
    int decodeThreads,
    long maxBufferedBytes) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8126;
  public static final long DEFAULT_MAX_BODY_BYTES = 25L * 1024 * 1024;
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  public ReceiverSettings {
    Objects.requireNonNull(host, "host == null");
    Objects.requireNonNull(readTimeout, "readTimeout == null");
    if (host.isBlank()) throw new IllegalArgumentException("host must not be blank (e.g. 127.0.0.1)");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
    if (maxBodyBytes < 1024) throw new IllegalArgumentException("maxBodyBytes must be ≥ 1024, got " + maxBodyBytes);
    if (maxBodyBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("maxBodyBytes must be < 2 GiB, got " + maxBodyBytes);
    }
    if (readTimeout.isNegative() || readTimeout.isZero()) {
      throw new IllegalArgumentException("readTimeout must be positive, got " + readTimeout);
    }
    if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be ≥ 1, got " + maxConnections);
    if (decodeThreads < 1) throw new IllegalArgumentException("decodeThreads must be ≥ 1, got " + decodeThreads);
    if (maxBufferedBytes < maxBodyBytes) {
      throw new IllegalArgumentException("maxBufferedBytes (" + maxBufferedBytes + ") must be ≥ maxBodyBytes ("
          + maxBodyBytes + ")");
    }
  }

  /** 127.0.0.1:8126, 25 MiB bodies, 5 s read timeout, 1024 connections, half the CPUs decoding, two bodies buffered. */
  public static ReceiverSettings defaults() {
    return new ReceiverSettings(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_TIMEOUT,
        DEFAULT_MAX_CONNECTIONS, defaultDecodeThreads(), 2 * DEFAULT_MAX_BODY_BYTES);
  }

  public static int defaultDecodeThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  public ReceiverSettings withHost(String newHost) {
    return new ReceiverSettings(newHost, port, maxBodyBytes, readTimeout, maxConnections, decodeThreads, maxBufferedBytes);
  }

  public ReceiverSettings withPort(int newPort) {
    return new ReceiverSettings(host, newPort, maxBodyBytes, readTimeout, maxConnections, decodeThreads, maxBufferedBytes);
  }

  /** Also raises {@code maxBufferedBytes} to two bodies when it would fall below one. */
  public ReceiverSettings withMaxBodyBytes(long newMax) {
    return new ReceiverSettings(host, port, newMax, readTimeout, maxConnections, decodeThreads,
        Math.max(maxBufferedBytes, 2 * newMax));
  }

  public ReceiverSettings withReadTimeout(Duration newTimeout) {
    return new ReceiverSettings(host, port, maxBodyBytes, newTimeout, maxConnections, decodeThreads, maxBufferedBytes);
  }

  public ReceiverSettings withMaxConnections(int newMax) {
    return new ReceiverSettings(host, port, maxBodyBytes, readTimeout, newMax, decodeThreads, maxBufferedBytes);
  }

  public ReceiverSettings withDecodeThreads(int newThreads) {
    return new ReceiverSettings(host, port, maxBodyBytes, readTimeout, maxConnections, newThreads, maxBufferedBytes);
  }

  public ReceiverSettings withMaxBufferedBytes(long newMax) {
    return new ReceiverSettings(host, port, maxBodyBytes, readTimeout, maxConnections, decodeThreads, newMax);
  }
}
