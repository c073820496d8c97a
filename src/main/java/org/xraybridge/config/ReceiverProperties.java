package org.xraybridge.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code bridge.receiver.*}: the Datadog-Agent-compatible endpoint tracers send to.
 *
 * @param host bind address; {@code 127.0.0.1} by default (only local tracers), {@code 0.0.0.0} in the
 *     container image
 * @param maxBody larger requests are answered 413 before they are read whole (the Agent's limit)
 * @param readTimeout a request that does not arrive whole within it is answered 408 (slow clients)
 * @param maxConnections connections beyond it are refused
 * @param decoders payloads decoded at once (bounds decoding memory to about decoders × max-body)
 */
@ConfigurationProperties("bridge.receiver")
public record ReceiverProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("127.0.0.1") String host,
    @DefaultValue("8126") int port,
    @DefaultValue("25MB") DataSize maxBody,
    @DefaultValue("5s") Duration readTimeout,
    @DefaultValue("1000") int maxConnections,
    @DefaultValue("2") int decoders) {

  public ReceiverProperties {
    ConfigurationException.require(!host.isBlank(), "bridge.receiver.host must be an address to bind, e.g. 127.0.0.1 or 0.0.0.0");
    ConfigurationException.require(port >= 0 && port <= 65535, "bridge.receiver.port must be 0..65535 (8126 is the Agent's), got " + port);
    ConfigurationException.require(maxBody.toBytes() >= 1024 && maxBody.toBytes() <= DataSize.ofMegabytes(512).toBytes(),
        "bridge.receiver.max-body must be between 1KB and 512MB (the Agent's is 25MB), got " + maxBody);
    ConfigurationException.require(!readTimeout.isNegative() && !readTimeout.isZero(),
        "bridge.receiver.read-timeout must be a positive duration such as 5s, got " + readTimeout);
    ConfigurationException.require(maxConnections >= 1, "bridge.receiver.max-connections must be at least 1, got " + maxConnections);
    ConfigurationException.require(decoders >= 1 && decoders <= 64, "bridge.receiver.decoders must be 1..64, got " + decoders);
  }
}
