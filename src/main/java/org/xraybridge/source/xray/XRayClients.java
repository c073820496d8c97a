package org.xraybridge.source.xray;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.builder.SdkAsyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsAsyncClient;
import software.amazon.awssdk.services.xray.XRayAsyncClient;

/**
 * Builds the X-Ray async client a source uses (and the CloudWatch Logs one of its logs path): Netty transport, the settings' region and endpoint
 * override, the SDK's own retries <em>off</em> (the source retries itself, so each attempt passes its
 * rate limiter and circuit breaker and is counted), and the settings' call and attempt timeouts.
 */
public final class XRayClients {

  private XRayClients() {}

  /** A client with credentials from the AWS default provider chain. */
  public static XRayAsyncClient create(XRaySourceSettings settings) {
    return create(settings, DefaultCredentialsProvider.builder().build());
  }

  /** A client with the given credentials (tests and the emulator use static fake ones). */
  public static XRayAsyncClient create(XRaySourceSettings settings, AwsCredentialsProvider credentials) {
    return create(settings, credentials, null);
  }

  /**
   * A client on a shared Netty event loop group (which closing the client leaves running), e.g. the
   * embedded mode's or a test suite's; {@code null} gives the client its own.
   */
  public static XRayAsyncClient create(
      XRaySourceSettings settings, AwsCredentialsProvider credentials, SdkEventLoopGroup eventLoops) {
    Objects.requireNonNull(settings, "settings == null");
    Objects.requireNonNull(credentials, "credentials == null");
    var builder = configured(XRayAsyncClient.builder(), settings, credentials, eventLoops,
        Math.max(4, settings.batchConcurrency() * 2));
    if (!settings.endpoint().isEmpty()) builder.endpointOverride(URI.create(settings.endpoint()));
    return builder.build();
  }

  /**
   * The CloudWatch Logs client of a source's logs path (Transaction Search), configured like its
   * X-Ray client: Netty on {@code eventLoops} ({@code null}: its own), the SDK's retries off, the
   * settings' timeouts, {@code search.logsEndpoint} when set.
   */
  public static CloudWatchLogsAsyncClient createLogs(
      XRaySourceSettings settings, AwsCredentialsProvider credentials, SdkEventLoopGroup eventLoops) {
    Objects.requireNonNull(settings, "settings == null");
    Objects.requireNonNull(credentials, "credentials == null");
    var builder = configured(CloudWatchLogsAsyncClient.builder(), settings, credentials, eventLoops, 4);
    String endpoint = settings.search().logsEndpoint();
    if (!endpoint.isEmpty()) builder.endpointOverride(URI.create(endpoint));
    return builder.build();
  }

  /** Region, credentials, Netty on {@code eventLoops} ({@code null}: its own), the SDK's retries off, the settings' timeouts. */
  private static <B extends AwsClientBuilder<B, ?> & SdkAsyncClientBuilder<B, ?>> B configured(
      B builder, XRaySourceSettings settings, AwsCredentialsProvider credentials, SdkEventLoopGroup eventLoops,
      int maxConcurrency) {
    NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder().maxConcurrency(maxConcurrency);
    if (eventLoops != null) http.eventLoopGroup(eventLoops);
    return builder
        .region(Region.of(settings.region()))
        .credentialsProvider(credentials)
        .httpClientBuilder(http)
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallTimeout(settings.tuning().apiCallTimeout())
                .apiCallAttemptTimeout(settings.tuning().apiAttemptTimeout())
                .build());
  }
}
