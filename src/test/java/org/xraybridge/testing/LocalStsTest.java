package org.xraybridge.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.demo.Faults.Refusal;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/** The local STS speaks AssumeRole as the AWS SDK's own StsClient expects it: answers and errors. */
class LocalStsTest {

  static final String ROLE = "arn:aws:iam::111111111111:role/xray-reader";

  final LocalSts sts = new LocalSts().role(ROLE, "111111111111", "ext-42");
  final StsClient client = StsClient.builder()
      .region(Region.US_EAST_1)
      .endpointOverride(sts.endpoint())
      .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIABASE000000000000", "base-secret")))
      .build();

  @AfterEach
  void close() {
    client.close();
    sts.close();
  }

  @Test
  void assumeRole_answersCredentialsTheSdkReads() {
    sts.credentialsLifetime(Duration.ofMinutes(20));
    Instant before = Instant.now();

    AssumeRoleResponse r = client.assumeRole(b -> b.roleArn(ROLE).roleSessionName("bridge-a").externalId("ext-42").durationSeconds(900));

    assertThat(r.credentials().accessKeyId()).startsWith("ASIA").hasSize(20);
    assertThat(r.credentials().secretAccessKey()).hasSize(40);
    assertThat(r.credentials().sessionToken()).hasSize(64);
    assertThat(r.credentials().expiration()).isBetween(before.plus(Duration.ofMinutes(19)), before.plus(Duration.ofMinutes(21)));
    assertThat(r.assumedRoleUser().arn()).isEqualTo("arn:aws:sts::111111111111:assumed-role/xray-reader/bridge-a");
    assertThat(r.packedPolicySize()).isEqualTo(6);
    assertThat(sts.calls()).singleElement().satisfies(c -> {
      assertThat(c.roleArn()).isEqualTo(ROLE);
      assertThat(c.sessionName()).isEqualTo("bridge-a");
      assertThat(c.externalId()).isEqualTo("ext-42");
      assertThat(c.durationSeconds()).isEqualTo(900);
      assertThat(c.signedBy()).isEqualTo("AKIABASE000000000000"); // SigV4 names the caller's key
    });
    // what the emulated X-Ray account lets in
    assertThat(sts.accessTo("111111111111").apply(r.credentials().accessKeyId())).isEqualTo(Refusal.NONE);
    assertThat(sts.accessTo("222222222222").apply(r.credentials().accessKeyId()).type()).isEqualTo("UnrecognizedClientException");
    assertThat(sts.accessTo("111111111111").apply("AKIABASE000000000000").refused()).isTrue();
  }

  @Test
  void deniedRoleAndWrongExternalId_areAccessDenied403() {
    assertThatThrownBy(() -> client.assumeRole(b -> b.roleArn(ROLE).roleSessionName("s").externalId("wrong")))
        .isInstanceOfSatisfying(StsException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(403);
          assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
          assertThat(e.awsErrorDetails().errorMessage()).contains("not authorized to perform: sts:AssumeRole on resource: " + ROLE);
        });
    sts.deny(ROLE);
    assertThatThrownBy(() -> client.assumeRole(b -> b.roleArn(ROLE).roleSessionName("s").externalId("ext-42")))
        .isInstanceOfSatisfying(StsException.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
    assertThatThrownBy(() -> client.assumeRole(b -> b.roleArn(ROLE).roleSessionName("s").externalId("ext-42").durationSeconds(60)))
        .isInstanceOfSatisfying(StsException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(400);
          assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationError");
        });
  }

  @Test
  void expiredCredentials_areRefusedWithExpiredToken() throws Exception {
    sts.credentialsLifetime(Duration.ofMillis(300));
    String key = client.assumeRole(b -> b.roleArn(ROLE).roleSessionName("s").externalId("ext-42")).credentials().accessKeyId();
    assertThat(sts.accessTo("111111111111").apply(key).refused()).isFalse();
    Thread.sleep(400);
    assertThat(sts.accessTo("111111111111").apply(key).type()).isEqualTo("ExpiredTokenException");
    assertThat(sts.refusedCalls()).isEqualTo(1);
  }
}
