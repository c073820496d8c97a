package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code bridge.xray.*}: the documented defaults per mode, and every rule of the X-Ray source named by its key. */
class XRayPropertiesTest {

  @Configuration
  @EnableConfigurationProperties(XRayProperties.class)
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
  })
  void badValues_areRefusedInOneLineNamingTheKey(String values, String named) {
    runner.withPropertyValues(values.split(",")).run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ConfigErrors.oneLine(ctx.getStartupFailure())).doesNotContain("\n").contains(named);
    });
  }
}
