package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose-cluster.yaml, which cannot run here (no Docker engine), checked by parsing it: one
 * KRaft broker, three replicas in kafka mode on it, with their own ids, exactly one polling X-Ray, all
 * forwarding to the Agent; every BRIDGE_* variable names a real setting; no secret written in the file.
 */
class ComposeClusterTest {

  @SuppressWarnings("unchecked")
  @Test
  void threeReplicasOnAKRaftBroker_andAnAgent() throws Exception {
    Path file = Path.of(System.getProperty("basedir", "."), "docker", "compose-cluster.yaml");
    Map<String, Object> compose;
    try (Reader r = Files.newBufferedReader(file)) {
      compose = new Yaml().load(r);
    }
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    Map<String, Object> kafka = env(services.get("kafka"));
    assertThat(String.valueOf(kafka.get("KAFKA_PROCESS_ROLES"))).contains("broker").contains("controller");
    assertThat(kafka).containsKey("KAFKA_CONTROLLER_QUORUM_VOTERS").doesNotContainKey("KAFKA_ZOOKEEPER_CONNECT");
    assertThat(services).containsKey("datadog-agent");

    List<String> replicas = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int polling = 0;
    for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
      Map<String, Object> env = env(s.getValue());
      if (!"kafka".equals(env.get("BRIDGE_CLUSTER_MODE"))) continue;
      replicas.add(s.getKey());
      assertThat(env.get("BRIDGE_CLUSTER_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka:9092");
      assertThat(env.get("BRIDGE_FORWARD_AGENT_URL")).isEqualTo("http://datadog-agent:8126");
      assertThat(ids.add(String.valueOf(env.get("BRIDGE_CLUSTER_REPLICA_ID")))).as("replica ids differ").isTrue();
      if ("true".equals(env.get("BRIDGE_CLUSTER_KAFKA_POLL_SOURCES"))) polling++;
      for (String key : env.keySet()) {
        if (key.startsWith("BRIDGE_")) assertThat(knownSetting(key)).as(key + " names a bridge setting").isTrue();
      }
      assertThat((List<String>) s.getValue().get("depends_on")).contains("kafka", "datadog-agent");
    }
    assertThat(replicas).hasSize(3);
    assertThat(polling).as("replicas that may poll X-Ray (the sources group elects one per source)").isEqualTo(3);
    String text = Files.readString(file);
    assertThat(text).doesNotContainPattern("DD_API_KEY:\\s*[0-9a-f]{32}").contains("${DD_API_KEY:?");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> env(Map<String, Object> service) {
    return (Map<String, Object>) service.get("environment");
  }

  /** BRIDGE_CLUSTER_KAFKA_POLL_SOURCES → bridge.cluster.kafka.poll-sources, compared as UnknownKeys compares. */
  private static boolean knownSetting(String variable) {
    String squashed = UnknownKeys.squash(variable);
    for (Class<?> type : BridgeConfiguration.PROPERTY_RECORDS) {
      var cp = type.getAnnotation(org.springframework.boot.context.properties.ConfigurationProperties.class);
      String prefix = cp.value().isEmpty() ? cp.prefix() : cp.value();
      if (matches(type, prefix, squashed)) return true;
    }
    return false;
  }

  private static boolean matches(Class<?> type, String prefix, String squashed) {
    for (var rc : type.getRecordComponents()) {
      String key = prefix + "." + rc.getName();
      if (rc.getType().isRecord() ? matches(rc.getType(), key, squashed) : UnknownKeys.squash(key).equals(squashed)) return true;
    }
    return false;
  }
}
