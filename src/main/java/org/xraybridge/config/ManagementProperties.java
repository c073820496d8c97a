package org.xraybridge.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code bridge.management.*}: the limits of the management port ({@code server.port}: health,
 * metrics, the explain page), the same kinds as the receiver's (docs/receiver.md, "Connections"),
 * sized for probes, a scraper and a few browsers.
 *
 * @param headerTimeout a request line and headers that have not arrived whole within it are answered
 *     408 and the connection closed
 * @param idleTimeout a kept-alive connection with no request for this long is closed
 * @param readTimeout the longest gap between a request body's bytes
 * @param maxConnections open connections at most (the one silent longest is closed for a new one)
 * @param maxConnectionsPerAddress the same per remote address; 0 (default) means half of {@code maxConnections}
 */
@ConfigurationProperties("bridge.management")
public record ManagementProperties(
    @DefaultValue("10s") Duration headerTimeout,
    @DefaultValue("60s") Duration idleTimeout,
    @DefaultValue("10s") Duration readTimeout,
    @DefaultValue("200") int maxConnections,
    @DefaultValue("0") int maxConnectionsPerAddress) {

  public ManagementProperties {
    ConfigurationException.require(!headerTimeout.isNegative() && !headerTimeout.isZero() && headerTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
        "bridge.management.header-timeout must be a positive duration of at most 10m, such as 10s, got " + headerTimeout);
    ConfigurationException.require(!idleTimeout.isNegative() && !idleTimeout.isZero() && idleTimeout.compareTo(Duration.ofDays(1)) <= 0,
        "bridge.management.idle-timeout must be a positive duration of at most 1d, such as 60s, got " + idleTimeout);
    ConfigurationException.require(!readTimeout.isNegative() && !readTimeout.isZero(),
        "bridge.management.read-timeout must be a positive duration such as 10s, got " + readTimeout);
    ConfigurationException.require(maxConnections >= 1, "bridge.management.max-connections must be at least 1, got " + maxConnections);
    ConfigurationException.require(maxConnectionsPerAddress >= 0 && maxConnectionsPerAddress <= maxConnections,
        "bridge.management.max-connections-per-address must be between 0 (half of max-connections) and max-connections ("
            + maxConnections + "), got " + maxConnectionsPerAddress);
  }

  /** {@code maxConnectionsPerAddress}, or half of {@code maxConnections} when 0. */
  public int effectiveMaxConnectionsPerAddress() {
    return maxConnectionsPerAddress > 0 ? maxConnectionsPerAddress : Math.max(1, (maxConnections + 1) / 2);
  }
}
