package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

/** The tracer's headers, read by the Agent's rules. */
class RequestHeadersTest {

  @Test
  void tracerInfo_clientComputedStatsHeader_isKeptWithTheAgentsTruthiness() {
    var computing = new DefaultHttpHeaders()
        .set("Datadog-Meta-Lang", "go").set("Datadog-Client-Computed-Stats", "yes");
    var dotnetStyleEmpty = new DefaultHttpHeaders()
        .set("Datadog-Meta-Lang", "java").set("Datadog-Client-Computed-Stats", "");
    var bare = new DefaultHttpHeaders().set("Datadog-Client-Computed-Stats", "true");
    assertThat(RequestHeaders.tracerInfo(computing).clientComputedStats()).isTrue();
    assertThat(RequestHeaders.tracerInfo(computing).language()).isEqualTo("go");
    assertThat(RequestHeaders.tracerInfo(dotnetStyleEmpty).clientComputedStats()).isFalse();
    assertThat(RequestHeaders.tracerInfo(bare).clientComputedStats()).isTrue();
  }

  @Test
  void truthy_followsTheAgentsRule() {
    for (String no : new String[] {null, "", " ", "0", "f", "F", "false", "False", "FALSE"}) {
      assertThat(RequestHeaders.truthy(no)).as(String.valueOf(no)).isFalse();
    }
    for (String yes : new String[] {"1", "t", "true", "yes", "TRUE"}) {
      assertThat(RequestHeaders.truthy(yes)).as(yes).isTrue();
    }
  }
}
