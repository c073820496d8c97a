package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.util.unit.DataSize;
import org.xraybridge.model.Secret;

/**
 * The forward stage's rules, each once in {@link ForwardProperties}: a bad value stops the context
 * with one line naming the key, and never quotes a credential.
 */
class ForwardPropertiesTest {
  private static final String KEY = "f00dfeed4242cafe0123456789abcdef";

  @Configuration
  @EnableConfigurationProperties(ForwardProperties.class)
  @Import(SecretConverter.class)
  static class Props {}

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Props.class);

  private void binds(Consumer<ForwardProperties> check, String... properties) {
    runner.withPropertyValues(properties).run(ctx -> {
      assertThat(ctx).hasNotFailed();
      check.accept(ctx.getBean(ForwardProperties.class));
    });
  }

  private void fails(Consumer<String> check, String... properties) {
    runner.withPropertyValues(properties).run(ctx -> {
      assertThat(ctx).hasFailed();
      String line = ConfigErrors.oneLine(ctx.getStartupFailure());
      assertThat(line).as("one-line message").isNotNull().doesNotContain("\n");
      check.accept(line);
    });
  }

  @Test
  void intakeUrl_unset_isTraceAgentOfTheSite() {
    binds(f -> assertThat(f.effectiveIntakeUrl()).hasToString("https://trace.agent.datadoghq.eu"),
        "bridge.forward.site=datadoghq.eu");
    binds(f -> assertThat(f.effectiveIntakeUrl()).hasToString("https://trace.agent.datadoghq.com"));
  }

  @Test
  void intake_withoutApiKey_failsNamingTheKey() {
    fails(line -> assertThat(line).contains("bridge.forward.api-key").contains("DD_API_KEY"), "bridge.forward.target=intake");
  }

  @Test
  void site_withScheme_failsNamingTheKey() {
    fails(line -> assertThat(line).contains("bridge.forward.site"), "bridge.forward.site=https://datadoghq.com");
    fails(line -> assertThat(line).contains("bridge.forward.site"), "bridge.forward.site=datadoghq.com?x=1");
  }

  @Test
  void maxPayloadBytes_atTheAgentsLimit_failsNamingTheKey() {
    fails(line -> assertThat(line).contains("bridge.forward.max-payload-bytes"), "bridge.forward.max-payload-bytes=25MB");
  }

  @Test
  void otherBounds_failNamingTheirKeys() {
    fails(line -> assertThat(line).contains("bridge.forward.retry-budget"), "bridge.forward.retry-budget=-1s");
    binds(f -> assertThat(f.retryBudget()).isZero(), "bridge.forward.retry-budget=0s");
    // an empty value binds the default directory; only a record built in code can lack one
    assertThatThrownBy(() -> new ForwardProperties(ForwardProperties.Target.AGENT, URI.create("http://localhost:8126"),
        "datadoghq.com", "", Secret.EMPTY, null, DataSize.ofGigabytes(1), DataSize.ofMegabytes(64), DataSize.ofMegabytes(10),
        Duration.ofSeconds(30), Duration.ofSeconds(10), "", 10, "", ""))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("bridge.forward.spool-dir");
    fails(line -> assertThat(line).contains("bridge.forward.agent-url"), "bridge.forward.agent-url=ftp://x");
  }

  @Test
  void urlCarryingTheKey_isRefusedWithoutQuotingIt() {
    fails(line -> assertThat(line).contains("bridge.forward.intake-url").doesNotContain(KEY),
        "bridge.forward.intake-url=https://trace.agent.datadoghq.com/?api_key=" + KEY);
    fails(line -> assertThat(line).contains("bridge.forward.intake-url").doesNotContain(KEY),
        "bridge.forward.intake-url=https://" + KEY + "@trace.agent.datadoghq.com");
    fails(line -> assertThat(line).contains("bridge.forward.intake-url").doesNotContain(KEY),
        "bridge.forward.intake-url=https://trace agent/" + KEY);
    fails(line -> assertThat(line).contains("bridge.forward.agent-url").doesNotContain(KEY),
        "bridge.forward.agent-url=http://user:" + KEY + "@agent:8126");
    // a password with an @ of its own: URI finds no host, user info or query to strip
    fails(line -> assertThat(line).contains("bridge.forward.agent-url").doesNotContain(KEY),
        "bridge.forward.target=agent", "bridge.forward.agent-url=http://user:" + KEY + "@x@agent:8126");
    // not a URI at all (a space): the binder's own failure, with the value
    fails(line -> assertThat(line).contains("bridge.forward.agent-url").doesNotContain(KEY),
        "bridge.forward.agent-url=http://agent:8126/?api_key=" + KEY + "&x=a b");
  }

  /** What Spring prints of a failed start before our one line (its failure analysis) names the key, never the value. */
  @Test
  void startupFailureReport_neverQuotesAValueThatMayCarryACredential() {
    for (String url : new String[] {"http://agent:8126/?api_key=" + KEY + "&x=a b", "http://user:" + KEY + "@x@agent:8126"}) {
      runner.withPropertyValues("bridge.forward.target=agent", "bridge.forward.agent-url=" + url).run(ctx -> {
        assertThat(ctx).hasFailed();
        org.springframework.boot.diagnostics.FailureAnalysis a = new ConfigFailureAnalyzer().analyze(ctx.getStartupFailure());
        assertThat(a).as(url).isNotNull();
        assertThat(a.getDescription()).contains("bridge.forward.agent-url").doesNotContain(KEY);
        assertThat(a.getAction()).doesNotContain(KEY);
      });
    }
  }

  @Test
  void defaults_errorsSamplerAsTheAgents_andTheKeyNeverInToString() {
    binds(f -> {
      assertThat(f.errorsPerSecond()).isEqualTo(10);
      assertThat(f.toString()).doesNotContain(KEY).contains("<redacted>");
    }, "bridge.forward.target=intake", "bridge.forward.api-key=" + KEY);
  }
}
