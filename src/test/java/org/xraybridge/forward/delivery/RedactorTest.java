package org.xraybridge.forward.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Secret;

class RedactorTest {
  private final Redactor r = new Redactor(Secret.of("s3cr3t-key-value"));

  @Test
  void scrub_keyAnywhere_replaced() {
    assertThat(r.scrub("bad key s3cr3t-key-value here")).isEqualTo("bad key <redacted> here");
  }

  @Test
  void scrub_apiKeyParameterOfAnotherValue_replaced() {
    assertThat(r.scrub("GET /x?api_key=abcdef&x=1")).isEqualTo("GET /x?api_key=<redacted>&x=1");
    assertThat(r.scrub("{\"DD-API-KEY\": \"zzz\"}")).doesNotContain("zzz");
  }

  @Test
  void scrub_controlCharacters_flattenedToOneLine() {
    assertThat(r.scrub("a\nb\r\tc")).isEqualTo("a b  c");
  }

  @Test
  void describe_causeChain_scrubbedTypesAndMessages() {
    String d = r.describe(new IOException("outer s3cr3t-key-value", new IllegalStateException("inner")));
    assertThat(d).isEqualTo("IOException: outer <redacted> <- IllegalStateException: inner");
  }

  @Test
  void safe_uri_dropsUserInfoAndQuery() {
    assertThat(Redactor.safe(URI.create("https://user:pw@trace.agent.datadoghq.com:443/p?api_key=x#f")))
        .isEqualTo("https://trace.agent.datadoghq.com:443/p");
  }
}
