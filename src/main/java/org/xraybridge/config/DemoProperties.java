package org.xraybridge.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code bridge.demo.*}: the demo traffic of the embedded mode (only with {@code bridge.xray.source=emulator}):
 * both halves of the same requests — native spans posted to the receiver as a Datadog tracer would,
 * the X-Ray half fed to the emulator under the id a tracer injects.
 */
@ConfigurationProperties("bridge.demo")
public record DemoProperties(@DefaultValue("true") boolean enabled, @DefaultValue("5s") Duration interval) {
  public DemoProperties {
    ConfigurationException.require(interval.compareTo(Duration.ofMillis(100)) >= 0,
        "bridge.demo.interval must be at least 100ms, got " + interval);
  }
}
