package org.xraybridge.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What of a request target a pass-through may append to the next hop's URL (RFC 9112 §3.2). */
class RequestTargetTest {

  @ParameterizedTest
  @CsvSource(
      value = {
        "/telemetry/proxy/api/v2/apmtelemetry | /telemetry/proxy/api/v2/apmtelemetry",
        "/v0.7/config?x=1&y=%2F | /v0.7/config?x=1&y=%2F",
        "/a#fragment | /a",
        "http://agent:8126/v0.7/config?x=1 | /v0.7/config?x=1",
        "HTTPS://user@host/profiling/v1/input | /profiling/v1/input",
        "http://host | /",
        "http://host?x=1 | /?x=1",
        "http://host//evil/x | ''",
        "//host:8126/v0.7/config | ''",
        "@host:8126/v0.7/config | ''",
        "host:8126/v0.7/config | ''",
        "* | ''",
        "'' | ''"
      },
      delimiter = '|')
  void originForm_isThePathAndQuery_orNothingWhenTheTargetIsNoPath(String target, String expected) {
    assertThat(RequestTarget.originForm(target)).isEqualTo(expected);
  }
}
