package org.xraybridge.source.xray;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * The credentials one source signs its calls with: the bridge's own (the base provider, normally the
 * AWS default chain), or — when the source names a role — temporary credentials of that role from
 * STS {@code AssumeRole}, signed with the base credentials, through the AWS SDK's own
 * {@link StsAssumeRoleCredentialsProvider}. That provider refreshes them on a thread of its own
 * {@code prefetch} before they expire, so calls find fresh credentials and never wait for STS once
 * the first set is in. Closing releases the STS client and the refresh thread; the base provider is
 * the caller's. Nothing here prints a credential: the SDK's providers and exceptions do not either.
 */
public final class SourceCredentials implements AutoCloseable {

  private final AwsCredentialsProvider provider;
  private final StsClient sts; // null without a role
  private final StsAssumeRoleCredentialsProvider assumed; // null without a role

  private SourceCredentials(AwsCredentialsProvider provider, StsClient sts, StsAssumeRoleCredentialsProvider assumed) {
    this.provider = provider;
    this.sts = sts;
    this.assumed = assumed;
  }

  /**
   * @param base signs the {@code AssumeRole} calls, or every call when the source has no role
   */
  public static SourceCredentials of(XRaySourceSettings settings, AwsCredentialsProvider base) {
    Objects.requireNonNull(settings, "settings == null");
    Objects.requireNonNull(base, "base == null");
    XRaySourceSettings.Role role = settings.role();
    if (!role.assumed()) return new SourceCredentials(base, null, null);
    StsClientBuilder b =
        StsClient.builder()
            .region(Region.of(settings.region()))
            .credentialsProvider(base)
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .apiCallTimeout(settings.tuning().apiCallTimeout())
                    .apiCallAttemptTimeout(settings.tuning().apiAttemptTimeout())
                    .build());
    if (!role.stsEndpoint().isEmpty()) b.endpointOverride(URI.create(role.stsEndpoint()));
    StsClient sts = b.build();
    AssumeRoleRequest.Builder request =
        AssumeRoleRequest.builder()
            .roleArn(role.arn())
            .roleSessionName(role.sessionName())
            .durationSeconds((int) role.sessionDuration().toSeconds());
    if (!role.externalId().isEmpty()) request.externalId(role.externalId().reveal());
    StsAssumeRoleCredentialsProvider assumed =
        StsAssumeRoleCredentialsProvider.builder()
            .stsClient(sts)
            .refreshRequest(request.build())
            .asyncCredentialUpdateEnabled(true)
            .prefetchTime(role.prefetch())
            .staleTime(role.stale())
            .build();
    return new SourceCredentials(assumed, sts, assumed);
  }

  /** What the source's clients sign with. */
  public AwsCredentialsProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    if (assumed != null) assumed.close();
    if (sts != null) sts.close();
  }
}
