package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.xraybridge.config.ExplainConfiguration;

/** {@code bridge.explain.*} binding: defaults, and start-up failures that name the key. */
class ExplainPropertiesTest {

  final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(ExplainConfiguration.class);

  @Test
  void defaults_recorderAndRoutesCreated() {
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(ExplainRecorder.class).hasSingleBean(RouterFunction.class);
      assertThat(ctx.getBean(ExplainRecorder.class).maxTraces()).isEqualTo(500);
      assertThat(ctx.getBean(ExplainRecorder.class).list(ExplainRecorderTest.ALL).maxBytes()).isEqualTo(16L * 1024 * 1024);
    });
  }

  @Test
  void maxTracesAndBytes_bound() {
    runner.withPropertyValues("bridge.explain.max-traces=20", "bridge.explain.max-bytes=1MB").run(ctx -> {
      ExplainView.TraceList list = ctx.getBean(ExplainRecorder.class).list(ExplainRecorderTest.ALL);
      assertThat(list.maxTraces()).isEqualTo(20);
      assertThat(list.maxBytes()).isEqualTo(1024 * 1024);
    });
  }

  @Test
  void maxTraces_negative_failsNamingTheKey() {
    runner.withPropertyValues("bridge.explain.max-traces=-1").run(ctx ->
        assertThat(ctx).getFailure().rootCause().hasMessageContaining("bridge.explain.max-traces").hasMessageContaining("-1"));
  }

  @Test
  void maxBytes_tooSmall_failsNamingTheKey() {
    runner.withPropertyValues("bridge.explain.max-bytes=1KB").run(ctx ->
        assertThat(ctx).getFailure().rootCause().hasMessageContaining("bridge.explain.max-bytes").hasMessageContaining("1024B"));
  }
}
