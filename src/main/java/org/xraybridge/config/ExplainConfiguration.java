package org.xraybridge.config;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.xraybridge.explain.ExplainRecorder;
import org.xraybridge.explain.ExplainRoutes;

/**
 * The explain view: the recorder (to be given to the merge stage as its {@code StitchListener}) and
 * its routes ({@code /}, {@code /explain/**}, {@code /api/traces…}) on the management port.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ExplainProperties.class)
public class ExplainConfiguration {

  /** With a registry, {@code bridge_explain_skipped_total}: tracer chunks the sampling rate left out. */
  @Bean
  ExplainRecorder explainRecorder(ExplainProperties properties, ObjectProvider<ClusterProperties> cluster,
      ObjectProvider<MeterRegistry> registries) {
    ClusterProperties c = cluster.getIfAvailable();
    String replica = c != null && c.mode() == ClusterProperties.Mode.KAFKA ? c.effectiveReplicaId() : "";
    ExplainRecorder recorder = new ExplainRecorder(properties.maxTraces(), properties.maxBytes().toBytes(), properties.maxTracesPerSecond(),
        Clock.systemUTC(), replica);
    registries.ifAvailable(registry -> FunctionCounter.builder("bridge.explain.skipped", recorder, ExplainRecorder::skipped)
        .description("Tracer chunks the explain view did not record: bridge.explain.max-traces-per-second was spent").register(registry));
    return recorder;
  }

  /** In kafka mode the answers name this replica, and a trace it does not know, the partition its halves meet in. */
  @Bean
  RouterFunction<ServerResponse> explainRoutes(ExplainRecorder explainRecorder, ObjectProvider<Pipeline> pipelines) {
    Pipeline pipeline = pipelines.getIfAvailable();
    if (pipeline == null || pipeline.cluster == null) return ExplainRoutes.create(explainRecorder);
    return ExplainRoutes.create(explainRecorder, pipeline.cluster.settings().replicaId(), pipeline.cluster::whereIs);
  }
}
