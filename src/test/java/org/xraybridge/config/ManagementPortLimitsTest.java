package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.xraybridge.ops.MicrometerConnectionMetrics;
import org.xraybridge.testing.RawHttp;

/**
 * The management port (Spring's Reactor Netty server, as the application configures it) gets the
 * receiver's connection policy through {@link ManagementServerConfiguration}: a half-sent request
 * is answered 408 at the header timeout, and at the limit a probe is still served because the silent
 * connections make room. docs/receiver.md, "Connections".
 */
@SpringBootTest(
    classes = ManagementPortLimitsTest.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.banner-mode=off", "bridge.management.header-timeout=3s", "bridge.management.idle-timeout=30s",
        "bridge.management.max-connections=6", "bridge.management.max-connections-per-address=6"})
class ManagementPortLimitsTest {

  /** The web server and WebFlux as the application configures them, the management policy, and one route. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @ImportAutoConfiguration({
    PropertyPlaceholderAutoConfiguration.class,
    NettyReactiveWebServerAutoConfiguration.class,
    HttpHandlerAutoConfiguration.class,
    WebFluxAutoConfiguration.class,
    CodecsAutoConfiguration.class
  })
  @Import(ManagementServerConfiguration.class)
  static class App {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    @Bean
    RouterFunction<ServerResponse> probe() {
      return RouterFunctions.route().GET("/probe", r -> ServerResponse.ok().bodyValue("up")).build();
    }
  }

  @LocalServerPort int port;
  @Autowired MicrometerConnectionMetrics managementConnectionMetrics;
  @Autowired MeterRegistry registry;

  @Test
  void silentConnectionsBeyondTheLimit_aProbeIsServed_andTheSilentOnesGet408AtTheHeaderTimeout() throws IOException {
    byte[] half = "GET /actuator/health HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    try (RawHttp warm = new RawHttp(port)) {
      assertThat(warm.exchange("GET", "/probe", List.of(), null).status()).as("the first request warms WebFlux up").isEqualTo(200);
    }
    // the warm-up connection is silent until the server sees it closed: counted open, it could be the one evicted
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("bridge.management.connections.open").gauge().value() == 0);
    RawHttp[] silent = new RawHttp[8];
    try {
      for (int i = 0; i < silent.length; i++) {
        silent[i] = new RawHttp(port);
        silent[i].sendRaw(half);
      }
      long t0 = System.nanoTime();
      try (RawHttp probe = new RawHttp(port)) {
        RawHttp.Response r = probe.exchange("GET", "/probe", List.of(), null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("up");
      }
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms the probe waited (the header timeout is 3 s)").isLessThan(2_000);
      // the newest silent ones are still open, and are answered 408 at the header timeout
      RawHttp.Response late = silent[silent.length - 1].read();
      assertThat(late.status()).isEqualTo(408);
      assertThat(silent[silent.length - 1].closedByServer()).isTrue();
      // every silent one closed by the server, none by the test
      await().atMost(Duration.ofSeconds(5)).until(() -> managementConnectionMetrics.counts().evictedConnections()
          + managementConnectionMetrics.counts().headerTimeouts() == silent.length);
      assertThat(managementConnectionMetrics.counts().idleTimeouts()).isZero();
    } finally {
      for (RawHttp s : silent) if (s != null) s.close();
    }
    MicrometerConnectionMetrics.Counts c = managementConnectionMetrics.counts();
    assertThat(c.evictedConnections()).as("two beyond the limit and one for the probe").isEqualTo(3);
    assertThat(registry.get("bridge.management.connections.closed").tag("reason", "header_timeout").functionCounter().count())
        .isEqualTo(5);
  }
}
