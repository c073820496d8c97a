package org.xraybridge.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code bridge.demo.*}: the demo traffic of the embedded mode (only with {@code bridge.xray.source=emulator}):
 * both halves of the same requests — native spans posted to the receiver as a Datadog tracer would,
 * the X-Ray half fed to the emulator under the id a tracer injects.
 *
 * @param transactionSearch the emulated account has CloudWatch Transaction Search on: its segment
 *     destination is CloudWatch Logs and the X-Ray half is written to {@code aws/spans}, where the
 *     source's logs path reads it (docs/xray-source.md "Transaction Search")
 */
@ConfigurationProperties("bridge.demo")
public record DemoProperties(
    @DefaultValue("true") boolean enabled, @DefaultValue("5s") Duration interval, @DefaultValue("false") boolean transactionSearch) {

  @ConstructorBinding
  public DemoProperties {
    ConfigurationException.require(interval.compareTo(Duration.ofMillis(100)) >= 0,
        "bridge.demo.interval must be at least 100ms, got " + interval);
  }

  /** A demo of an account without Transaction Search. */
  public DemoProperties(boolean enabled, Duration interval) {
    this(enabled, interval, false);
  }
}
