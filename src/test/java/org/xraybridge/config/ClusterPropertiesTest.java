package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * {@code bridge.cluster.*}: the issue's defaults; every bad value stops the context with one line
 * naming its key; client properties keep their dotted names, never show their values, and are not
 * reported as unknown keys.
 */
class ClusterPropertiesTest {

  @Configuration
  @EnableConfigurationProperties(ClusterProperties.class)
  static class Props {}

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Props.class);

  @Test
  void defaults_areTheIssues() {
    runner.run(ctx -> {
      ClusterProperties c = ctx.getBean(ClusterProperties.class);
      assertThat(c.mode()).isEqualTo(ClusterProperties.Mode.SINGLE);
      assertThat(c.kafka().topicPrefix()).isEqualTo("xray-bridge");
      assertThat(c.kafka().partitions()).isEqualTo(12);
      assertThat(c.kafka().replicationFactor()).isEqualTo(3);
      assertThat(c.kafka().effectiveGroupId()).isEqualTo("xray-bridge-bridge");
      assertThat(c.kafka().produceTimeout()).isEqualTo(Duration.ofSeconds(2));
      assertThat(c.kafka().maxRecordBytes().toBytes()).isEqualTo(900 * 1024).isLessThan(1024 * 1024);
      assertThat(c.kafka().sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(c.effectiveReplicaId()).isNotBlank();
    });
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
    "bridge.cluster.mode|mesh|bridge.cluster.mode",
    "bridge.cluster.mode|kafka|BRIDGE_CLUSTER_KAFKA_BOOTSTRAP_SERVERS",
    "bridge.cluster.replica-id|a b|bridge.cluster.replica-id",
    "bridge.cluster.kafka.topic-prefix|a/b|bridge.cluster.kafka.topic-prefix",
    "bridge.cluster.kafka.partitions|0|bridge.cluster.kafka.partitions",
    "bridge.cluster.kafka.replication-factor|0|bridge.cluster.kafka.replication-factor",
    "bridge.cluster.kafka.group-id|a b|bridge.cluster.kafka.group-id",
    "bridge.cluster.kafka.produce-timeout|10ms|bridge.cluster.kafka.produce-timeout",
    "bridge.cluster.kafka.produce-timeout|soon|bridge.cluster.kafka.produce-timeout",
    "bridge.cluster.kafka.max-record-bytes|1KB|bridge.cluster.kafka.max-record-bytes",
    "bridge.cluster.kafka.session-timeout|100ms|bridge.cluster.kafka.session-timeout",
    "bridge.cluster.kafka.rebuild-timeout|0s|bridge.cluster.kafka.rebuild-timeout",
    "bridge.cluster.kafka.drain-timeout|-1s|bridge.cluster.kafka.drain-timeout",
    "bridge.cluster.kafka.poll-sources|maybe|bridge.cluster.kafka.poll-sources",
    "bridge.cluster.kafka.properties.acks|1|bridge.cluster.kafka.properties.acks",
    "bridge.cluster.kafka.properties.bootstrap.servers|x:9092|bridge.cluster.kafka.bootstrap-servers",
  })
  void badValue_failsWithOneLineNamingTheKey(String key, String value, String named) {
    runner.withPropertyValues(key + "=" + value).run(ctx -> {
      assertThat(ctx).hasFailed();
      String line = ConfigErrors.oneLine(ctx.getStartupFailure());
      assertThat(line).as("one-line message").isNotNull().doesNotContain("\n").contains(named);
    });
  }

  @Test
  void clientProperties_keepTheirDottedNames_andNeverShowTheirValues() {
    String secret = "scram-" + Long.toHexString(System.nanoTime());
    runner.withPropertyValues("bridge.cluster.mode=kafka", "bridge.cluster.kafka.bootstrap-servers=b1:9092,b2:9092",
        "bridge.cluster.kafka.properties.security.protocol=SASL_SSL",
        "bridge.cluster.kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"bridge\" password=\"" + secret + "\";").run(ctx -> {
      assertThat(ctx).hasNotFailed();
      ClusterProperties c = ctx.getBean(ClusterProperties.class);
      assertThat(c.kafka().properties()).containsEntry("security.protocol", "SASL_SSL").containsKey("sasl.jaas.config");
      assertThat(c.toString()).doesNotContain(secret).contains("sasl.jaas.config");
      assertThat(UnknownKeys.find(ctx.getEnvironment(), List.of(ClusterProperties.class))).isEmpty();
    });
  }

  @Test
  void aMistypedClusterKey_isReportedAsUnknown() {
    runner.withPropertyValues("bridge.cluster.kafka.bootstrap-server=b1:9092").run(ctx ->
        assertThat(UnknownKeys.find(ctx.getEnvironment(), List.of(ClusterProperties.class)))
            .containsExactly("bridge.cluster.kafka.bootstrap-server"));
  }
}
