package org.xraybridge.config;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.xraybridge.explain.ExplainRecorder;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/** Turns the validated properties into the pipeline; nothing else in the bridge knows Spring. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  XRayProperties.class, DaemonProperties.class, ReceiverProperties.class, MergeProperties.class,
  ForwardProperties.class, ConvertProperties.class, DemoProperties.class, ClusterProperties.class
})
class BridgeConfiguration {

  private static final Logger log = LoggerFactory.getLogger(BridgeConfiguration.class);

  static final List<Class<?>> PROPERTY_RECORDS = List.of(
      XRayProperties.class, DaemonProperties.class, ReceiverProperties.class, MergeProperties.class,
      ForwardProperties.class, ConvertProperties.class, DemoProperties.class, ExplainProperties.class, ClusterProperties.class,
      ManagementProperties.class);

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  Pipeline pipeline(
      XRayProperties xray,
      DaemonProperties daemon,
      ReceiverProperties receiver,
      MergeProperties merge,
      ForwardProperties forward,
      ConvertProperties convert,
      DemoProperties demo,
      ClusterProperties cluster,
      ExplainRecorder explain,
      MeterRegistry registry,
      Clock clock,
      ConfigurableEnvironment env) {
    for (String key : UnknownKeys.find(env, PROPERTY_RECORDS)) {
      log.warn("unknown configuration key {} is ignored: no bridge setting has that name (see the README's configuration table)", key);
    }
    // the AWS default chain signs each source without a role, and the AssumeRole calls of the others
    return new Pipeline(xray, daemon, receiver, merge, forward, convert, demo, cluster, explain, registry, clock,
        DefaultCredentialsProvider.builder().build());
  }

  /** Says what the embedded default mode is, and where to look, in one line once the web server is up. */
  @Bean
  ApplicationListener<ApplicationReadyEvent> embeddedBanner(Pipeline pipeline, ConfigurableEnvironment env) {
    return event -> {
      if (!pipeline.embedded()) return;
      int port = env.getProperty("local.server.port", Integer.class, env.getProperty("server.port", Integer.class, 8080));
      log.info(pipeline.embeddedBanner(port));
    };
  }
}
