package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Every constrained key, bound to a bad value, stops the context with a one-line message that names
 * the key (and the conventional variable where there is one).
 */
class ConfigBindingTest {

  @Configuration
  @EnableConfigurationProperties({
    ConvertProperties.class, MergeProperties.class, ReceiverProperties.class, ForwardProperties.class,
    XRayProperties.class, DaemonProperties.class, DemoProperties.class, ManagementProperties.class
  })
  @Import(SecretConverter.class)
  static class Props {}

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Props.class);

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
    "bridge.forward.site|https://datadoghq.com|DD_SITE",
    "bridge.forward.site|datadoghq.com/x|DD_SITE",
    "bridge.forward.target|kafka|bridge.forward.target",
    "bridge.forward.agent-url|ftp://agent:8126|bridge.forward.agent-url",
    "bridge.forward.intake-url|mailto:x|bridge.forward.intake-url",
    "bridge.forward.profile-intake-url|ftp://x/api|bridge.forward.profile-intake-url",
    "bridge.forward.telemetry-intake-url|https://user:pw@x|bridge.forward.telemetry-intake-url",
    "bridge.forward.queue-max-bytes|10KB|bridge.forward.queue-max-bytes",
    "bridge.forward.max-payload-bytes|100MB|bridge.forward.max-payload-bytes",
    "bridge.forward.retry-budget|soon|bridge.forward.retry-budget",
    "bridge.forward.spool-max-bytes|lots|bridge.forward.spool-max-bytes",
    "bridge.forward.errors-per-second|-1|bridge.forward.errors-per-second",
    "bridge.forward.errors-per-second|NaN|bridge.forward.errors-per-second",
    "bridge.forward.errors-per-second|many|bridge.forward.errors-per-second",
    "bridge.receiver.port|70000|bridge.receiver.port",
    "bridge.receiver.port|http|bridge.receiver.port",
    "bridge.receiver.max-body|1GB|bridge.receiver.max-body",
    "bridge.receiver.read-timeout|0s|bridge.receiver.read-timeout",
    "bridge.receiver.max-connections|0|bridge.receiver.max-connections",
    "bridge.receiver.decoders|0|bridge.receiver.decoders",
    "bridge.receiver.header-timeout|0s|bridge.receiver.header-timeout",
    "bridge.receiver.header-timeout|1h|bridge.receiver.header-timeout",
    "bridge.receiver.idle-timeout|-1s|bridge.receiver.idle-timeout",
    "bridge.receiver.min-body-rate|2MB|bridge.receiver.min-body-rate",
    "bridge.receiver.max-connections-per-address|1001|bridge.receiver.max-connections-per-address",
    "bridge.receiver.max-connections-per-address|-1|bridge.receiver.max-connections-per-address",
    "bridge.management.header-timeout|0s|bridge.management.header-timeout",
    "bridge.management.idle-timeout|0s|bridge.management.idle-timeout",
    "bridge.management.read-timeout|0s|bridge.management.read-timeout",
    "bridge.management.max-connections|0|bridge.management.max-connections",
    "bridge.management.max-connections-per-address|201|bridge.management.max-connections-per-address",
    "bridge.receiver.host| |bridge.receiver.host",
    "bridge.receiver.enabled|maybe|bridge.receiver.enabled",
    "bridge.merge.index-ttl|10s|bridge.merge.index-ttl",
    "bridge.merge.index-max-traces|10|bridge.merge.index-max-traces",
    "bridge.merge.index-max-traces|2000000000|bridge.merge.index-max-traces",
    "bridge.merge.index-ttl|60000d|bridge.merge.index-ttl",
    "bridge.merge.flush-interval|5m|bridge.merge.flush-interval",
    "bridge.merge.max-batch-spans|0|bridge.merge.max-batch-spans",
    "bridge.merge.max-sent-spans|1|bridge.merge.max-sent-spans",
    "bridge.convert.inferred|sometimes|bridge.convert.inferred",
    "bridge.convert.service-mapping|nocolon|bridge.convert.service-mapping",
    "bridge.convert.env-rules|svc:|bridge.convert.env-rules",
    "bridge.convert.env-annotation| |bridge.convert.env-annotation",
    "bridge.xray.source|azure|bridge.xray.source",
    "bridge.xray.region|Europe|AWS_REGION",
    "bridge.xray.endpoint|xray.local|bridge.xray.endpoint",
    "bridge.xray.poll-interval|0s|bridge.xray.poll-interval",
    "bridge.xray.poll-interval|often|bridge.xray.poll-interval",
    "bridge.xray.lag|-5s|bridge.xray.lag",
    "bridge.xray.overlap|-1m|bridge.xray.overlap",
    "bridge.xray.max-window|7h|bridge.xray.max-window",
    "bridge.xray.env| |DD_ENV",
    "bridge.xray.in-progress-timeout|0m|bridge.xray.in-progress-timeout",
    "bridge.xray.summaries-per-second|0|bridge.xray.summaries-per-second",
    "bridge.xray.traces-per-second|5000|bridge.xray.traces-per-second",
    "bridge.xray.batch-concurrency|99|bridge.xray.batch-concurrency",
    "bridge.daemon.enabled|yes please|bridge.daemon.enabled",
    "bridge.daemon.host| |bridge.daemon.host",
    "bridge.daemon.port|-1|bridge.daemon.port",
    "bridge.daemon.relay-to|nohostport|bridge.daemon.relay-to",
    "bridge.daemon.assembly-window|0s|bridge.daemon.assembly-window",
    "bridge.daemon.orphan-window|1s|bridge.daemon.orphan-window",
    "bridge.daemon.max-traces|1|bridge.daemon.max-traces",
    "bridge.daemon.max-bytes|1KB|bridge.daemon.max-bytes",
    "bridge.demo.interval|1ms|bridge.demo.interval",
  })
  void badValue_failsWithOneLineNamingTheKey(String key, String value, String named) {
    runner.withPropertyValues(key + "=" + (value == null ? "" : value)).run(ctx -> {
      assertThat(ctx).hasFailed();
      String line = ConfigErrors.oneLine(ctx.getStartupFailure());
      assertThat(line).as("one-line message").isNotNull().doesNotContain("\n").contains(named);
    });
  }

  /** Random values for every key: the context either binds, or fails with one line naming that key. */
  @Test
  void randomValues_bindOrFailNamingTheKey() {
    String[] keys = {
      "bridge.forward.site", "bridge.forward.target", "bridge.forward.agent-url", "bridge.forward.queue-max-bytes",
      "bridge.forward.retry-budget", "bridge.receiver.port", "bridge.receiver.max-body", "bridge.receiver.read-timeout",
      "bridge.merge.index-ttl", "bridge.merge.index-max-traces", "bridge.convert.service-mapping", "bridge.convert.env-rules",
      "bridge.xray.region", "bridge.xray.poll-interval", "bridge.xray.max-window", "bridge.daemon.port", "bridge.daemon.relay-to"
    };
    String[] pieces = {"", " ", "0", "-1", "99999999999", "1s", "25MB", "abc", "http://", "https://x", ":", ",", "a:b", "1e9",
        "${x}", "\u00e9", "ms", "5m", "true", "eu-west-1", "127.0.0.1:2000", "%", "\t"};
    org.xraybridge.testing.Cases.forAll(99L, org.xraybridge.testing.Cases.tries(150), r -> {
      String key = keys[r.nextInt(keys.length)];
      StringBuilder v = new StringBuilder();
      int n = 1 + r.nextInt(3);
      for (int i = 0; i < n; i++) v.append(pieces[r.nextInt(pieces.length)]);
      return new String[] {key, v.toString()};
    }, kv -> runner.withPropertyValues(kv[0] + "=" + kv[1]).run(ctx -> {
      if (ctx.getStartupFailure() == null) return;
      String line = ConfigErrors.oneLine(ctx.getStartupFailure());
      assertThat(line).as("%s=%s", kv[0], kv[1]).isNotNull().doesNotContain("\n");
      String alias = kv[0].equals("bridge.forward.site") ? "DD_SITE" : kv[0].equals("bridge.xray.region") ? "AWS_REGION" : kv[0];
      assertThat(line).as("%s=%s", kv[0], kv[1]).containsAnyOf(kv[0], alias);
    }));
  }

  @Test
  void intakeWithoutApiKey_failsNamingDdApiKey() {
    runner.withPropertyValues("bridge.forward.target=intake").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ConfigErrors.oneLine(ctx.getStartupFailure())).contains("DD_API_KEY").contains("intake");
    });
  }

  @Test
  void defaults_bindAndApiKeyIsRedacted() {
    runner.withPropertyValues("bridge.forward.api-key=test-key-not-real-0000").run(ctx -> {
      assertThat(ctx).hasNotFailed();
      ForwardProperties f = ctx.getBean(ForwardProperties.class);
      assertThat(f.apiKey().reveal()).isEqualTo("test-key-not-real-0000");
      assertThat(f.toString()).doesNotContain("test-key-not-real").contains("<redacted>");
      assertThat(f.effectiveIntakeUrl().toString()).isEqualTo("https://trace.agent.datadoghq.com");
      assertThat(ctx.getBean(ReceiverProperties.class).port()).isEqualTo(8126);
      assertThat(ctx.getBean(MergeProperties.class).indexTtl()).hasMinutes(30);
    });
  }

  @Test
  void unknownBridgeKeys_areFoundInEveryForm() {
    new ApplicationContextRunner()
        .withPropertyValues("bridge.forward.agent-ulr=http://x:8126", "bridge.forward.target=agent", "bridge.nope.key=1")
        .run(ctx -> {
          List<String> unknown = UnknownKeys.find((org.springframework.core.env.ConfigurableEnvironment) ctx.getEnvironment(),
              List.of(ForwardProperties.class, ReceiverProperties.class));
          assertThat(unknown).containsExactly("bridge.forward.agent-ulr", "bridge.nope.key");
        });
  }
}
