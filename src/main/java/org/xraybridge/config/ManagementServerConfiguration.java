package org.xraybridge.config;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.xraybridge.ops.MicrometerConnectionMetrics;
import org.xraybridge.receiver.ConnectionLimits;
import org.xraybridge.receiver.ConnectionPolicy;

/**
 * The management port (Spring's Reactor Netty server on {@code server.port}) gets the receiver's
 * connection policy: header and idle timeouts, a connection limit that closes the silent longest for
 * a new connection, a per-address limit; and Reactor Netty's own gap timeout for request bodies.
 * Counted as {@code bridge_management_connections_*}. docs/receiver.md, "Connections".
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ManagementProperties.class)
class ManagementServerConfiguration {

  @Bean
  MicrometerConnectionMetrics managementConnectionMetrics(MeterRegistry registry) {
    return new MicrometerConnectionMetrics(registry, "bridge.management");
  }

  @Bean
  NettyServerCustomizer managementConnectionPolicy(ManagementProperties p, MicrometerConnectionMetrics managementConnectionMetrics) {
    ConnectionPolicy policy = new ConnectionPolicy(
        new ConnectionLimits(p.maxConnections(), p.effectiveMaxConnectionsPerAddress(), p.headerTimeout(), p.idleTimeout()),
        managementConnectionMetrics);
    return server -> policy.applyTo(server).readTimeout(p.readTimeout());
  }
}
