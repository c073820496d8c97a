package org.xraybridge.source.xray;

import io.github.resilience4j.ratelimiter.RateLimiter;
import org.xraybridge.source.xray.XRaySourceMetrics.Operation;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsAsyncClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;

/**
 * The CloudWatch Logs call a source makes to read {@code aws/spans}: FilterLogEvents, through its own
 * rate limiter and a circuit breaker of its own (another service than X-Ray: one open does not stop
 * the other), retried and counted ({@link ApiGuard}). The default rate, 2 a second, stays under the
 * quota of 5 a second per account and region, which AWS does not raise (docs/xray-source.md).
 */
final class LogsApi {

  private final CloudWatchLogsAsyncClient client;
  private final ApiGuard guard;
  private final RateLimiter limiter;

  LogsApi(CloudWatchLogsAsyncClient client, XRaySourceSettings settings, XRaySourceMetrics metrics) {
    this.client = client;
    this.guard = new ApiGuard("cloudwatch-logs-api", settings.tuning(), metrics);
    this.limiter = ApiGuard.limiter("logs-filter-log-events", settings.search().logsPerSecond());
  }

  Mono<FilterLogEventsResponse> filterLogEvents(FilterLogEventsRequest request) {
    return guard.call(Operation.FILTER_LOG_EVENTS, limiter, () -> client.filterLogEvents(request));
  }

  /** Its circuit and throttles, for the source's status. */
  ApiGuard guard() {
    return guard;
  }
}
