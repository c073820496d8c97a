package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.xraybridge.config.ExplainConfiguration;
import org.xraybridge.model.Priority;

/** {@code bridge.explain.*} binding: defaults, and start-up failures that name the key. */
class ExplainPropertiesTest {

  final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(ExplainConfiguration.class);

  @Test
  void defaults_recorderAndRoutesCreated() {
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(ExplainRecorder.class).hasSingleBean(RouterFunction.class);
      assertThat(ctx.getBean(ExplainRecorder.class).maxTraces()).isEqualTo(500);
      assertThat(ctx.getBean(ExplainRecorder.class).list(ExplainRecorderTest.ALL).maxBytes()).isEqualTo(16L * 1024 * 1024);
      assertThat(ctx.getBean(ExplainRecorder.class).list(ExplainRecorderTest.ALL).maxTracesPerSecond()).isEqualTo(50);
    });
  }

  @Test
  void maxTracesPerSecond_boundAndSkippedCountedInTheMetric() {
    runner.withBean(SimpleMeterRegistry.class).withPropertyValues("bridge.explain.max-traces-per-second=1").run(ctx -> {
      ExplainRecorder recorder = ctx.getBean(ExplainRecorder.class);
      new ExplainFixtures.Pipeline(recorder).offer(ExplainFixtures.nativeHalf(1, Priority.AUTO_KEEP, "prod"))
          .offer(ExplainFixtures.nativeHalf(2, Priority.AUTO_KEEP, "prod")).offer(ExplainFixtures.nativeHalf(3, Priority.AUTO_KEEP, "prod"));
      assertThat(recorder.list(ExplainRecorderTest.ALL).maxTracesPerSecond()).isEqualTo(1);
      // two of three within one second (the test takes far less): the second and third are skipped
      assertThat(ctx.getBean(SimpleMeterRegistry.class).get("bridge.explain.skipped").functionCounter().count()).isEqualTo(2.0);
    });
  }

  @Test
  void maxTracesPerSecond_negative_failsNamingTheKey() {
    runner.withPropertyValues("bridge.explain.max-traces-per-second=-5").run(ctx ->
        assertThat(ctx).getFailure().rootCause().hasMessageContaining("bridge.explain.max-traces-per-second").hasMessageContaining("-5"));
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
