package org.xraybridge.source.xray;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.xraybridge.source.xray.XRaySourceMetrics.CallOutcome;
import org.xraybridge.source.xray.XRaySourceMetrics.Operation;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.xray.model.ThrottledException;

/**
 * How a source calls one AWS service: each attempt through the operation's rate limiter and the
 * service's circuit breaker, retried with jittered exponential backoff on throttling, 5xx, timeouts
 * and I/O errors, and counted by operation and outcome. Calls are lazy {@link Mono}s over the async
 * client's futures: nothing blocks, and cancelling a Mono cancels the request.
 *
 * <p>Order per attempt: circuit breaker (fails fast when open, without spending a permit), then the
 * rate limiter (waits for a permit on a timer), then the call. A retry is a new attempt and needs a
 * new permit, so retries can never exceed the configured rate.
 */
final class ApiGuard {

  /** How long a call may wait for its rate-limiter permit before failing; far above any sane wait. */
  private static final Duration PERMIT_WAIT = Duration.ofMinutes(5);

  private final XRaySourceMetrics metrics;
  private final CircuitBreaker circuit;
  private final Retry retry;
  private final ConcurrentLinkedDeque<Long> throttles = new ConcurrentLinkedDeque<>();

  /** @param name the circuit's name: one circuit per service a source calls */
  ApiGuard(String name, XRaySourceSettings.Tuning tuning, XRaySourceMetrics metrics) {
    this.metrics = metrics;
    XRaySourceSettings.Circuit c = tuning.circuit();
    this.circuit =
        CircuitBreaker.of(
            name,
            CircuitBreakerConfig.custom()
                .failureRateThreshold(c.failureRatePercent())
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(c.slidingWindowCalls())
                .minimumNumberOfCalls(c.minimumCalls())
                .waitDurationInOpenState(c.openDuration())
                .permittedNumberOfCallsInHalfOpenState(c.halfOpenCalls())
                .recordException(ApiGuard::isTransient)
                .build());
    XRaySourceSettings.Retry r = tuning.retry();
    this.retry =
        Retry.backoff(r.maxRetries(), r.minBackoff())
            .maxBackoff(r.maxBackoff())
            .jitter(r.jitter())
            .filter(ApiGuard::isTransient)
            .onRetryExhaustedThrow((spec, signal) -> signal.failure());
  }

  /** Attempts with retries. */
  <T> Mono<T> call(Operation op, RateLimiter limiter, Supplier<CompletableFuture<T>> future) {
    return attempt(op, limiter, future).retryWhen(retry);
  }

  /** One attempt. */
  <T> Mono<T> attempt(Operation op, RateLimiter limiter, Supplier<CompletableFuture<T>> future) {
    // The SDK resolves credentials on the thread that starts the call; a provider may block there
    // (STS AssumeRole, the container endpoint), so calls start on a thread that may block, never on
    // an event loop or a timer thread.
    return Mono.fromFuture(future)
        .subscribeOn(Schedulers.boundedElastic())
        .transformDeferred(RateLimiterOperator.of(limiter))
        .transformDeferred(CircuitBreakerOperator.of(circuit))
        .doOnSuccess(v -> metrics.apiCall(op, CallOutcome.SUCCESS))
        .doOnError(e -> count(op, e));
  }

  String circuitState() {
    return circuit.getState().name();
  }

  /** Throttled attempts in the last 60 s of real time. */
  int throttlesLastMinute() {
    long cutoff = System.nanoTime() - Duration.ofMinutes(1).toNanos();
    while (true) {
      Long first = throttles.peekFirst();
      if (first == null || first - cutoff >= 0) break;
      throttles.pollFirst();
    }
    return throttles.size();
  }

  private void count(Operation op, Throwable e) {
    CallOutcome outcome = classify(e);
    if (outcome == CallOutcome.THROTTLED) {
      throttles.addLast(System.nanoTime());
      if (throttles.size() > 10_000) throttles.pollFirst();
    }
    metrics.apiCall(op, outcome);
  }

  static CallOutcome classify(Throwable e) {
    if (e instanceof CallNotPermittedException) return CallOutcome.CIRCUIT_OPEN;
    if (e instanceof ThrottledException) return CallOutcome.THROTTLED;
    AwsServiceException service = serviceCause(e);
    if (service != null) e = service; // a refused AssumeRole surfaces wrapped by the credential lookup
    if (e instanceof AwsServiceException s) {
      if (s.statusCode() == 429 || s.isThrottlingException()) return CallOutcome.THROTTLED;
      if (s.statusCode() >= 500) return CallOutcome.SERVER_ERROR;
      return CallOutcome.CLIENT_ERROR;
    }
    if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) return CallOutcome.TIMEOUT;
    if (e instanceof TimeoutException || e.getCause() instanceof TimeoutException) return CallOutcome.TIMEOUT;
    if (e instanceof IOException || e.getCause() instanceof IOException) return CallOutcome.IO_ERROR;
    if (e instanceof SdkClientException) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("nmarshall") || m.contains("parse") || m.contains("JSON") || m.contains("json")) return CallOutcome.MALFORMED;
      return CallOutcome.IO_ERROR;
    }
    if (e instanceof RequestNotPermitted) return CallOutcome.CIRCUIT_OPEN;
    return CallOutcome.CLIENT_ERROR;
  }

  /** The first AWS service error in {@code e}'s causes, or null. */
  static AwsServiceException serviceCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AwsServiceException s) return s;
      if (t.getCause() == t) break;
    }
    return null;
  }

  /** Throttling, 5xx, timeouts, I/O and unreadable responses are worth another attempt; nothing else is. */
  static boolean isTransient(Throwable e) {
    CallOutcome o = classify(e);
    return o == CallOutcome.THROTTLED
        || o == CallOutcome.SERVER_ERROR
        || o == CallOutcome.TIMEOUT
        || o == CallOutcome.IO_ERROR
        || o == CallOutcome.MALFORMED;
  }

  /** One permit per 1/rate seconds: the rate is smooth, never a burst of a whole second's worth. */
  static RateLimiter limiter(String name, double perSecond) {
    long periodNanos = Math.max(1_000_000L, Math.round(1_000_000_000d / perSecond));
    return RateLimiter.of(
        name,
        RateLimiterConfig.custom()
            .limitForPeriod(1)
            .limitRefreshPeriod(Duration.ofNanos(periodNanos))
            .timeoutDuration(PERMIT_WAIT)
            .build());
  }
}
