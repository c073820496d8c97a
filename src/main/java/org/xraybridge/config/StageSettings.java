package org.xraybridge.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.xraybridge.cluster.ClusterSettings;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.demo.EmbeddedAgent;
import org.xraybridge.forward.ForwardSettings;
import org.xraybridge.model.Secret;
import org.xraybridge.passthrough.PassThroughSettings;
import org.xraybridge.receiver.ConnectionLimits;
import org.xraybridge.receiver.ReceiverSettings;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * The validated {@code bridge.*} properties translated into the settings records the stages'
 * constructors take, where the translation needs nothing but properties (targets, sizes, keys).
 * {@link Pipeline} calls it while it wires the stages; what needs its ledger or registry (the X-Ray
 * sources, the daemon input) it translates itself.
 */
final class StageSettings {

  private StageSettings() {}

  /** Buffered request bytes: two largest bodies, and at least 64 MiB so small limits still allow concurrency. */
  static ReceiverSettings receiverSettings(ReceiverProperties p) {
    long maxBody = p.maxBody().toBytes();
    ConnectionLimits limits = new ConnectionLimits(p.maxConnections(), p.effectiveMaxConnectionsPerAddress(), p.headerTimeout(), p.idleTimeout());
    return new ReceiverSettings(p.host(), p.port(), maxBody, p.readTimeout(), p.minBodyRate().toBytes(), limits, p.decoders(),
        Math.max(maxBody * 2, 64L << 20), true);
  }

  /**
   * Where what the receiver does not serve itself goes, by target: the Agent, the intake (profiles and
   * telemetry with the API key), or nowhere (the embedded default answers as an Agent without it).
   */
  static PassThroughSettings passThroughSettings(ForwardProperties f, String env) {
    PassThroughSettings.Mode mode = switch (f.target()) {
      case AGENT -> PassThroughSettings.Mode.AGENT;
      case INTAKE -> PassThroughSettings.Mode.INTAKE;
      case EMBEDDED -> PassThroughSettings.Mode.NONE;
    };
    return new PassThroughSettings(mode, f.agentUrl(), f.effectiveProfileIntakeUrl(), f.effectiveTelemetryIntakeUrl(), f.apiKey(),
        f.hostname(), env, Duration.ofSeconds(30), Duration.ofSeconds(30), 256);
  }

  /** The converter's arguments: {@code bridge.convert.*}, with an X-Ray source's env and the in-progress timeout. */
  static ConvertOptions convertOptions(ConvertProperties convert, XRayProperties xray, String env) {
    return new ConvertOptions(convert.inferred() == ConvertProperties.Inferred.KEEP, convert.serviceMappingMap(),
        convert.envAnnotation(), convert.envRulesMap(), env, xray.inProgressTimeout());
  }

  static String awsRegion(XRaySourceProperties s) {
    if (!s.region().isBlank()) return s.region();
    try {
      return new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (RuntimeException e) {
      String key = s.name().equals(XRayProperties.DEFAULT_SOURCE) ? "bridge.xray.region (AWS_REGION)" : "the region of X-Ray source " + s.name();
      throw new ConfigurationException(key + " must be set when bridge.xray.source is aws and no AWS profile or instance names a region");
    }
  }

  /**
   * {@code bridge.cluster.*} → the cluster stage's arguments: the merge stage's TTL is what the topics'
   * retention must cover, its batch bound cuts the consumer's rounds, and a span as large as the
   * receiver takes must fit one record.
   */
  static ClusterSettings clusterSettings(ClusterProperties c, MergeProperties merge, ReceiverProperties receiver) {
    ClusterProperties.Kafka k = c.kafka();
    Map<String, Secret> props = new HashMap<>();
    k.properties().forEach((key, value) -> props.put(key, Secret.of(value)));
    int maxRecord = (int) k.maxRecordBytes().toBytes();
    return new ClusterSettings(c.effectiveReplicaId(), k.bootstrapServers().strip(), k.topicPrefix(), k.partitions(),
        (short) k.replicationFactor(), k.effectiveGroupId(), k.produceTimeout(), maxRecord,
        (int) Math.max(maxRecord, Math.min(Integer.MAX_VALUE - (1 << 20), receiver.maxBody().toBytes())), props, k.sessionTimeout(),
        k.rebuildTimeout(), k.drainTimeout(), merge.indexTtl(), merge.maxBatchSpans());
  }

  /**
   * The user's target mapped to the wire the stage speaks: the embedded default is the demo's sink,
   * spoken to as to an Agent.
   */
  static ForwardSettings forwardSettings(ForwardProperties f, String env, ReceiverProperties receiver, EmbeddedAgent sink,
      boolean kafka) {
    URI url = switch (f.target()) {
      case EMBEDDED -> startSink(sink);
      case AGENT -> f.agentUrl();
      case INTAKE -> f.effectiveIntakeUrl();
    };
    return new ForwardSettings(
        f.target() == ForwardProperties.Target.INTAKE ? ForwardSettings.Target.INTAKE : ForwardSettings.Target.AGENT,
        url, f.apiKey(), f.hostname(), env, f.queueMaxBytes().toBytes(), (int) f.maxPayloadBytes().toBytes(),
        // kafka mode: Kafka is the buffer, so no spool; a payload is retried until delivered
        f.retryBudget(), f.errorsPerSecond(), f.spoolDir(), kafka ? 0 : f.spoolMaxBytes().toBytes(),
        receiver.enabled() ? receiver.host() : "", receiver.enabled() ? receiver.port() : 0, ForwardSettings.Tuning.DEFAULTS, kafka);
  }

  private static URI startSink(EmbeddedAgent sink) {
    try {
      return sink.start();
    } catch (IOException e) {
      throw new UncheckedIOException("the embedded Agent sink could not bind the loopback interface", e);
    }
  }

  static String loopbackOf(String host) {
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }
}
