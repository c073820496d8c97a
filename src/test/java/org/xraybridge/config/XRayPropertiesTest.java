package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** {@code bridge.xray.*}: the documented defaults per mode, and every rule of the X-Ray source named by its key. */
class XRayPropertiesTest {

  @Configuration
  @EnableConfigurationProperties(XRayProperties.class)
  @Import(SecretConverter.class)
  static class Props {}

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Props.class);

  @Test
  void defaults_areTheDocumentedOnes_perMode() {
    runner.withPropertyValues("bridge.xray.source=aws").run(ctx -> {
      XRayProperties d = ctx.getBean(XRayProperties.class);
      assertThat(d.effectivePollInterval()).isEqualTo(Duration.ofSeconds(30));
      assertThat(d.effectiveLag()).isEqualTo(Duration.ofSeconds(30));
      assertThat(d.overlap()).isEqualTo(Duration.ofMinutes(5));
      assertThat(d.maxWindow()).isEqualTo(Duration.ofMinutes(15));
      assertThat(d.checkpointFile().normalize()).isEqualTo(Path.of("./data/xray-checkpoint.json").normalize());
      assertThat(d.inProgressTimeout()).isEqualTo(Duration.ofMinutes(10));
      assertThat(d.endpoint()).isEmpty();
    });
    runner.run(ctx -> {
      XRayProperties d = ctx.getBean(XRayProperties.class);
      assertThat(d.source()).isEqualTo(XRayProperties.Source.EMULATOR);
      assertThat(d.effectivePollInterval()).isEqualTo(Duration.ofSeconds(5));
      assertThat(d.effectiveLag()).isEqualTo(Duration.ofSeconds(2));
    });
  }

  @Test
  void maxWindowShorterThanOverlapPlusInterval_isRefusedNamingBothKeys() {
    runner.withPropertyValues("bridge.xray.source=aws", "bridge.xray.max-window=5m").run(ctx ->
        assertThat(ConfigErrors.oneLine(ctx.getStartupFailure())).contains(
            "bridge.xray.max-window (PT5M) must be at least bridge.xray.overlap + bridge.xray.poll-interval (PT5M30S)"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "bridge.xray.endpoint=localhost:4000|bridge.xray.endpoint",
    "bridge.xray.region=Europe|AWS_REGION",
    "bridge.xray.poll-interval=0s|bridge.xray.poll-interval",
    "bridge.xray.lag=-1s|bridge.xray.lag",
    "bridge.xray.batch-concurrency=0|bridge.xray.batch-concurrency",
    "bridge.xray.max-window=7h|bridge.xray.max-window",
    "bridge.xray.summaries-per-second=0|bridge.xray.summaries-per-second",
    // delivered segments are remembered 1 h: the overlap re-read and a held segment's wait must fit in it
    "bridge.xray.overlap=3570s,bridge.xray.max-window=6h,bridge.xray.source=aws|bridge.xray.overlap + bridge.xray.lag (PT1H)",
    "bridge.xray.in-progress-timeout=3599s,bridge.xray.source=aws|bridge.xray.in-progress-timeout + bridge.xray.poll-interval",
    // several sources: each rule names the element's key
    "bridge.xray.source=aws,bridge.xray.sources[0].region=eu-west-1|bridge.xray.sources[0].name is required",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a b|bridge.xray.sources[0].name must be",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[1].name=A|bridge.xray.sources[1].name 'A' is used by another source",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].region=Europe|bridge.xray.sources[0].region",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].role-arn=admin|bridge.xray.sources[0].role-arn must be a role ARN",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].external-id=x-123|bridge.xray.sources[0].external-id is only sent with a role",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].sts-endpoint=http://sts|bridge.xray.sources[0].sts-endpoint is only used",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].endpoint=xray:443|bridge.xray.sources[0].endpoint must be an http(s) URL",
    "bridge.xray.sources[0].name=a|bridge.xray.sources needs bridge.xray.source=aws",
    // Transaction Search
    "bridge.xray.transaction-search=sometimes|bridge.xray.transaction-search",
    "bridge.xray.spans-log-group=aws spans|bridge.xray.spans-log-group must be a log group name",
    "bridge.xray.logs-endpoint=logs:443|bridge.xray.logs-endpoint must be an http(s) URL",
    "bridge.xray.logs-per-second=6|bridge.xray.logs-per-second must be in (0, 5]",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].spans-log-group=a b|bridge.xray.sources[0].spans-log-group",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].logs-endpoint=x|bridge.xray.sources[0].logs-endpoint",
    "bridge.xray.source=aws,bridge.xray.sources[0].name=a,bridge.xray.sources[0].transaction-search=x|bridge.xray.sources[0].transaction-search",
    "bridge.xray.source=aws,bridge.xray.transaction-search=logs,bridge.xray.sources[0].name=a|single-source key bridge.xray.transaction-search cannot",
  })
  void badValues_areRefusedInOneLineNamingTheKey(String values, String named) {
    runner.withPropertyValues(values.split(",")).run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ConfigErrors.oneLine(ctx.getStartupFailure())).doesNotContain("\n").contains(named);
    });
  }

  @Test
  void singleSourceKeysAndSources_bothSet_stopStartUpWithOneLineNamingBoth() {
    runner.withPropertyValues("bridge.xray.source=aws", "bridge.xray.region=eu-west-1", "bridge.xray.filter-expression=service(\"a\")",
        "bridge.xray.sources[0].name=prod").run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(ConfigErrors.oneLine(ctx.getStartupFailure())).doesNotContain("\n")
              .contains("bridge.xray.sources and the single-source keys bridge.xray.region, bridge.xray.filter-expression cannot both be set");
        });
  }

  @Test
  void singleSourceKeys_areOneSourceNamedDefault_withTheBridgesEnv() {
    runner.withPropertyValues("bridge.xray.source=aws", "bridge.xray.region=eu-west-1", "bridge.xray.env=prod").run(ctx -> {
      List<XRaySourceProperties> sources = ctx.getBean(XRayProperties.class).effectiveSources();
      assertThat(sources).singleElement().satisfies(s -> {
        assertThat(s.name()).isEqualTo("default");
        assertThat(s.region()).isEqualTo("eu-west-1");
        assertThat(s.env()).isEqualTo("prod");
        assertThat(s.roleArn()).isEmpty();
      });
      XRayProperties p = ctx.getBean(XRayProperties.class);
      assertThat(p.checkpointFileOf("default").normalize()).isEqualTo(Path.of("./data/xray-checkpoint-default.json").normalize());
    });
  }

  /** The list in the environment-variable form the README documents: index as a word, dashes dropped. */
  @Test
  void sources_bindFromEnvironmentVariables() {
    Map<String, Object> env = new java.util.LinkedHashMap<>();
    env.put("BRIDGE_XRAY_SOURCE", "aws");
    env.put("BRIDGE_XRAY_ENV", "prod");
    env.put("BRIDGE_XRAY_SOURCES_0_NAME", "payments-eu");
    env.put("BRIDGE_XRAY_SOURCES_0_REGION", "eu-west-1");
    env.put("BRIDGE_XRAY_SOURCES_0_ROLEARN", "arn:aws:iam::111111111111:role/xray-datadog-bridge");
    env.put("BRIDGE_XRAY_SOURCES_0_EXTERNALID", "ext-secret-1");
    env.put("BRIDGE_XRAY_SOURCES_1_NAME", "payments-us");
    env.put("BRIDGE_XRAY_SOURCES_1_FILTEREXPRESSION", "service(\"payments\")");
    env.put("BRIDGE_XRAY_SOURCES_1_ENV", "prod-us");
    env.put("BRIDGE_XRAY_SOURCES_1_TRANSACTIONSEARCH", "retrieval");
    env.put("BRIDGE_XRAY_SOURCES_1_LOGSENDPOINT", "https://logs.us-east-1.amazonaws.com");
    env.put("BRIDGE_XRAY_SOURCES_1_SPANSLOGGROUP", "arn:aws:logs:us-east-1:111111111111:log-group:aws/spans");

    new ApplicationContextRunner(() -> new org.springframework.context.annotation.AnnotationConfigApplicationContext())
        .withInitializer(ctx -> ((ConfigurableEnvironment) ctx.getEnvironment()).getPropertySources()
            .addFirst(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env)))
        .withUserConfiguration(Props.class)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          XRayProperties p = ctx.getBean(XRayProperties.class);
          assertThat(p.effectiveSources()).hasSize(2);
          XRaySourceProperties eu = p.effectiveSources().get(0);
          assertThat(eu.name()).isEqualTo("payments-eu");
          assertThat(eu.region()).isEqualTo("eu-west-1");
          assertThat(eu.roleArn()).isEqualTo("arn:aws:iam::111111111111:role/xray-datadog-bridge");
          assertThat(eu.externalId().reveal()).isEqualTo("ext-secret-1");
          assertThat(eu.env()).isEqualTo("prod");
          assertThat(eu.toString()).doesNotContain("ext-secret-1");
          XRaySourceProperties us = p.effectiveSources().get(1);
          assertThat(us.filterExpression()).isEqualTo("service(\"payments\")");
          assertThat(us.env()).isEqualTo("prod-us");
          assertThat(us.transactionSearch()).isEqualTo(XRayProperties.TransactionSearch.RETRIEVAL);
          assertThat(us.logsEndpoint()).isEqualTo("https://logs.us-east-1.amazonaws.com");
          assertThat(us.spansLogGroup()).isEqualTo("arn:aws:logs:us-east-1:111111111111:log-group:aws/spans");
          assertThat(eu.transactionSearch()).isEqualTo(XRayProperties.TransactionSearch.AUTO);
          assertThat(eu.spansLogGroup()).isEqualTo("aws/spans");
          assertThat(UnknownKeys.find((ConfigurableEnvironment) ctx.getEnvironment(), List.of(XRayProperties.class))).isEmpty();
        });
  }

  @Test
  void transactionSearchKeys_defaultToFollowingTheDestination_andSetTheOneSource() {
    runner.withPropertyValues("bridge.xray.source=aws").run(ctx -> {
      XRaySourceProperties one = ctx.getBean(XRayProperties.class).effectiveSources().get(0);
      assertThat(one.transactionSearch()).isEqualTo(XRayProperties.TransactionSearch.AUTO);
      assertThat(one.spansLogGroup()).isEqualTo("aws/spans");
      assertThat(one.logsEndpoint()).isEmpty();
      assertThat(ctx.getBean(XRayProperties.class).logsPerSecond()).isEqualTo(2);
    });
    runner.withPropertyValues("bridge.xray.source=aws", "bridge.xray.transaction-search=logs", "bridge.xray.spans-log-group=team/spans",
        "bridge.xray.logs-endpoint=https://logs.example").run(ctx -> {
          XRaySourceProperties one = ctx.getBean(XRayProperties.class).effectiveSources().get(0);
          assertThat(one.transactionSearch()).isEqualTo(XRayProperties.TransactionSearch.LOGS);
          assertThat(one.spansLogGroup()).isEqualTo("team/spans");
          assertThat(one.logsEndpoint()).isEqualTo("https://logs.example");
        });
  }

  @Test
  void misspelledSourceKey_isReportedUnknown() {
    new ApplicationContextRunner()
        .withPropertyValues("bridge.xray.sources[0].name=a", "bridge.xray.sources[0].role-ann=x")
        .run(ctx -> assertThat(UnknownKeys.find((ConfigurableEnvironment) ctx.getEnvironment(), List.of(XRayProperties.class)))
            .containsExactly("bridge.xray.sources[0].role-ann"));
  }
}
