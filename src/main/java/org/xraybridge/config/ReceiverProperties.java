package org.xraybridge.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code bridge.receiver.*}: the Datadog-Agent-compatible endpoint tracers send to. What each limit
 * protects against: docs/receiver.md, "Connections".
 *
 * @param host bind address; {@code 127.0.0.1} by default (only local tracers), {@code 0.0.0.0} in the
 *     container image
 * @param maxBody larger requests are answered 413 before they are read whole (the Agent's limit)
 * @param readTimeout the longest gap between a body's bytes; then 408 (slow clients). Also the window
 *     over which {@code minBodyRate} is averaged
 * @param minBodyRate bytes a second a body must average over each {@code readTimeout}; slower is 408
 * @param headerTimeout a request line and headers that have not arrived whole within it are answered
 *     408 and the connection closed
 * @param idleTimeout a kept-alive connection with no request for this long is closed
 * @param maxConnections open connections at most; at the limit the one silent longest is closed for a
 *     new one, which is refused only when every connection is in the middle of a request
 * @param maxConnectionsPerAddress the same, for the connections of one remote address; 0 (default)
 *     means half of {@code maxConnections}, room for a node's pods behind one NAT address
 * @param decoders payloads decoded at once (bounds decoding memory to about decoders × max-body)
 */
@ConfigurationProperties("bridge.receiver")
public record ReceiverProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("127.0.0.1") String host,
    @DefaultValue("8126") int port,
    @DefaultValue("25MB") DataSize maxBody,
    @DefaultValue("5s") Duration readTimeout,
    @DefaultValue("240B") DataSize minBodyRate,
    @DefaultValue("10s") Duration headerTimeout,
    @DefaultValue("60s") Duration idleTimeout,
    @DefaultValue("1000") int maxConnections,
    @DefaultValue("0") int maxConnectionsPerAddress,
    @DefaultValue("2") int decoders) {

  public ReceiverProperties {
    ConfigurationException.require(!host.isBlank(), "bridge.receiver.host must be an address to bind, e.g. 127.0.0.1 or 0.0.0.0");
    ConfigurationException.require(port >= 0 && port <= 65535, "bridge.receiver.port must be 0..65535 (8126 is the Agent's), got " + port);
    ConfigurationException.require(maxBody.toBytes() >= 1024 && maxBody.toBytes() <= DataSize.ofMegabytes(512).toBytes(),
        "bridge.receiver.max-body must be between 1KB and 512MB (the Agent's is 25MB), got " + maxBody);
    ConfigurationException.require(!readTimeout.isNegative() && !readTimeout.isZero() && readTimeout.compareTo(Duration.ofHours(1)) <= 0,
        "bridge.receiver.read-timeout must be a positive duration of at most 1h, such as 5s, got " + readTimeout);
    ConfigurationException.require(minBodyRate.toBytes() >= 0 && minBodyRate.toBytes() <= DataSize.ofMegabytes(1).toBytes(),
        "bridge.receiver.min-body-rate must be between 0B (off) and 1MB (bytes a second), got " + minBodyRate);
    ConfigurationException.require(!headerTimeout.isNegative() && !headerTimeout.isZero() && headerTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
        "bridge.receiver.header-timeout must be a positive duration of at most 10m, such as 10s, got " + headerTimeout);
    ConfigurationException.require(!idleTimeout.isNegative() && !idleTimeout.isZero() && idleTimeout.compareTo(Duration.ofDays(1)) <= 0,
        "bridge.receiver.idle-timeout must be a positive duration of at most 1d, such as 60s, got " + idleTimeout);
    ConfigurationException.require(maxConnections >= 1, "bridge.receiver.max-connections must be at least 1, got " + maxConnections);
    ConfigurationException.require(maxConnectionsPerAddress >= 0 && maxConnectionsPerAddress <= maxConnections,
        "bridge.receiver.max-connections-per-address must be between 0 (half of max-connections) and max-connections ("
            + maxConnections + "), got " + maxConnectionsPerAddress);
    ConfigurationException.require(decoders >= 1 && decoders <= 64, "bridge.receiver.decoders must be 1..64, got " + decoders);
  }

  /** {@code maxConnectionsPerAddress}, or half of {@code maxConnections} when 0. */
  public int effectiveMaxConnectionsPerAddress() {
    return maxConnectionsPerAddress > 0 ? maxConnectionsPerAddress : Math.max(1, (maxConnections + 1) / 2);
  }
}
