package org.xraybridge.source.xray;

import io.github.resilience4j.ratelimiter.RateLimiter;
import org.xraybridge.source.xray.XRaySourceMetrics.Operation;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.BatchGetTracesRequest;
import software.amazon.awssdk.services.xray.model.BatchGetTracesResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSegmentDestinationRequest;
import software.amazon.awssdk.services.xray.model.GetTraceSegmentDestinationResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesRequest;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesResponse;
import software.amazon.awssdk.services.xray.model.ListRetrievedTracesRequest;
import software.amazon.awssdk.services.xray.model.ListRetrievedTracesResponse;
import software.amazon.awssdk.services.xray.model.StartTraceRetrievalRequest;
import software.amazon.awssdk.services.xray.model.StartTraceRetrievalResponse;

/**
 * The X-Ray calls a source makes, each through its operation's rate limiter and the X-Ray circuit
 * breaker, retried and counted ({@link ApiGuard}).
 */
final class XRayApi {

  /** StartTraceRetrieval takes at most 100 ids (its API reference). */
  static final int MAX_RETRIEVAL_IDS = 100;

  private final XRayAsyncClient client;
  private final ApiGuard guard;
  private final RateLimiter summariesLimiter;
  private final RateLimiter tracesLimiter;
  private final RateLimiter destinationLimiter;
  private final RateLimiter retrievalLimiter;

  XRayApi(XRayAsyncClient client, XRaySourceSettings settings, XRaySourceMetrics metrics) {
    this.client = client;
    this.guard = new ApiGuard("xray-api", settings.tuning(), metrics);
    this.summariesLimiter = ApiGuard.limiter("xray-get-trace-summaries", settings.summariesPerSecond());
    this.tracesLimiter = ApiGuard.limiter("xray-batch-get-traces", settings.tracesPerSecond());
    this.destinationLimiter = ApiGuard.limiter("xray-get-trace-segment-destination", settings.tuning().destinationPerSecond());
    // one limiter for both retrieval calls: their quotas are not published (docs/xray-source.md)
    this.retrievalLimiter = ApiGuard.limiter("xray-trace-retrieval", settings.search().tuning().retrievalPerSecond());
  }

  Mono<GetTraceSummariesResponse> getTraceSummaries(GetTraceSummariesRequest request) {
    return guard.call(Operation.GET_TRACE_SUMMARIES, summariesLimiter, () -> client.getTraceSummaries(request));
  }

  Mono<BatchGetTracesResponse> batchGetTraces(BatchGetTracesRequest request) {
    if (request.traceIds().size() > WindowFetch.MAX_IDS_PER_CALL) {
      // the service refuses more than 5 ids (docs/xray-source.md "The API's limits"): never send such a call
      return Mono.error(new IllegalArgumentException("BatchGetTraces takes at most 5 ids, got " + request.traceIds().size()));
    }
    return guard.call(Operation.BATCH_GET_TRACES, tracesLimiter, () -> client.batchGetTraces(request));
  }

  /** One attempt, no retries: a probe, asked again at its next time. */
  Mono<GetTraceSegmentDestinationResponse> getTraceSegmentDestination() {
    GetTraceSegmentDestinationRequest request = GetTraceSegmentDestinationRequest.builder().build();
    return guard.attempt(
        Operation.GET_TRACE_SEGMENT_DESTINATION, destinationLimiter, () -> client.getTraceSegmentDestination(request));
  }

  Mono<StartTraceRetrievalResponse> startTraceRetrieval(StartTraceRetrievalRequest request) {
    if (request.traceIds().size() > MAX_RETRIEVAL_IDS) {
      return Mono.error(new IllegalArgumentException("StartTraceRetrieval takes at most 100 ids, got " + request.traceIds().size()));
    }
    return guard.call(Operation.START_TRACE_RETRIEVAL, retrievalLimiter, () -> client.startTraceRetrieval(request));
  }

  Mono<ListRetrievedTracesResponse> listRetrievedTraces(ListRetrievedTracesRequest request) {
    return guard.call(Operation.LIST_RETRIEVED_TRACES, retrievalLimiter, () -> client.listRetrievedTraces(request));
  }

  /** Its circuit and throttles, for the source's status. */
  ApiGuard guard() {
    return guard;
  }

  /** The first AWS service error in {@code e}'s causes, or null. */
  static software.amazon.awssdk.awscore.exception.AwsServiceException serviceCause(Throwable e) {
    return ApiGuard.serviceCause(e);
  }
}
