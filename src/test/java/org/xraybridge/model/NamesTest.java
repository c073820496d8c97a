package org.xraybridge.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void service_followsTheAgentsTagRule() {
    assertThat(Names.service("My Service (prod)")).isEqualTo("my_service_prod");
    assertThat(Names.service("testxray/dev")).isEqualTo("testxray/dev");
    assertThat(Names.service("Scorekeep")).isEqualTo("scorekeep");
    assertThat(Names.service("127.0.0.1")).isEqualTo("unnamed-service");
    assertThat(Names.service("")).isEqualTo("unnamed-service");
    assertThat(Names.service("__Order--API__")).isEqualTo("order--api");
    assertThat(Names.service(":colon-start")).isEqualTo(":colon-start");
    assertThat(Names.service("Zürich Café")).isEqualTo("zürich_café");
    assertThat(Names.service("a".repeat(300))).hasSize(100);
  }

  @Test
  void operation_followsTheAgentsMetricNameRule() {
    assertThat(Names.operation("validate-order")).isEqualTo("validate_order");
    assertThat(Names.operation("## UserModel.saveUser")).isEqualTo("UserModel.saveUser");
    assertThat(Names.operation("aws.dynamodb.request")).isEqualTo("aws.dynamodb.request");
    assertThat(Names.operation("a -. b")).isEqualTo("a._b");
    assertThat(Names.operation("123")).isEqualTo("unnamed_operation");
    assertThat(Names.operation("x!!!")).isEqualTo("x");
  }

  @Test
  void withoutControlCharacters_replacesThem() {
    assertThat(Names.withoutControlCharacters("a\u0000b\tc\u007f")).isEqualTo("a_b_c_");
    String clean = "clean";
    assertThat(Names.withoutControlCharacters(clean)).isSameAs(clean);
  }
}
