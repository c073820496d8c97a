package org.xraybridge.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.xraybridge.demo.Faults;

/**
 * Faults switched by hand, for tests and benches: give it to {@code XRayEmulator.start} and switch
 * what the next calls meet. Counted faults ({@code …Next}) are used up one a call; thread-safe.
 */
public final class EmulatorFaults implements Faults {

  private final AtomicInteger throttleNext = new AtomicInteger();
  private final AtomicLong throttleUntilNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicInteger failStatus = new AtomicInteger(500);
  private final AtomicInteger malformNext = new AtomicInteger();
  private final AtomicInteger unprocessNext = new AtomicInteger();
  private final AtomicReference<Duration> tracesDelay = new AtomicReference<>(Duration.ZERO);
  private final AtomicReference<Destination> destination = new AtomicReference<>(Destination.XRAY_ACTIVE);
  private volatile int pageSize = DEFAULT_PAGE_SIZE;
  private volatile int limitExceededChars = DEFAULT_LIMIT_EXCEEDED_CHARS;
  private volatile Function<String, Refusal> access = key -> Refusal.NONE;
  private volatile int logsPageSize = 10_000;
  private final AtomicInteger emptyLogPages = new AtomicInteger();
  private volatile int retrievalRunningAnswers = 1;
  private volatile String retrievalOutcome = "COMPLETE";

  /** The next {@code n} read calls (GetTraceSummaries, BatchGetTraces) answer 429 ThrottledException. */
  public void throttleNext(int n) {
    throttleNext.set(n);
  }

  /** Read calls answer 429 ThrottledException for {@code d} of real time from now. */
  public void throttleFor(Duration d) {
    throttleUntilNanos.set(System.nanoTime() + d.toNanos());
  }

  /** The next {@code n} read calls answer {@code status} (a 5xx). */
  public void failNext(int n, int status) {
    ReadFault.unavailable(status); // checks it is a 5xx
    failStatus.set(status);
    failNext.set(n);
  }

  /** The next {@code n} read calls answer 200 with a body that is not JSON. */
  public void malformNext(int n) {
    malformNext.set(n);
  }

  /** The next {@code n} BatchGetTraces calls leave their first id in {@code UnprocessedTraceIds}. */
  public void unprocessNext(int n) {
    unprocessNext.set(n);
  }

  /** Every BatchGetTraces answer is delayed by {@code d}. */
  public void delayTraces(Duration d) {
    tracesDelay.set(Objects.requireNonNull(d, "d == null"));
  }

  /** What GetTraceSegmentDestination answers: {@code XRay} or {@code CloudWatchLogs}, {@code ACTIVE}/{@code PENDING}. */
  public void segmentDestination(String destinationName, String status) {
    destination.set(new Destination(destinationName, status));
  }

  /** Summaries per GetTraceSummaries page. */
  public void pageSize(int n) {
    if (n < 1) throw new IllegalArgumentException("pageSize: expected >= 1, got " + n);
    pageSize = n;
  }

  /** Traces whose documents exceed {@code chars} are flagged {@code LimitExceeded}. */
  public void limitExceededAboveChars(int chars) {
    limitExceededChars = chars;
  }

  /** Who is let in: {@code policy} answers for the access key id each call is signed with (see {@link LocalSts#accessTo}). */
  public void access(Function<String, Refusal> policy) {
    access = Objects.requireNonNull(policy, "policy == null");
  }

  /** Events per FilterLogEvents page. */
  public void logsPageSize(int n) {
    if (n < 1) throw new IllegalArgumentException("logsPageSize: expected >= 1, got " + n);
    logsPageSize = n;
  }

  /** The next {@code n} FilterLogEvents calls answer an empty page with a {@code nextToken}. */
  public void emptyLogPages(int n) {
    emptyLogPages.set(n);
  }

  /** ListRetrievedTraces answers SCHEDULED/RUNNING {@code n} times before a retrieval started from now on ends. */
  public void retrievalRunningAnswers(int n) {
    retrievalRunningAnswers = n;
  }

  /** How retrievals started from now on end: COMPLETE, FAILED, CANCELLED or TIMEOUT. */
  public void retrievalOutcome(String outcome) {
    retrievalOutcome = Objects.requireNonNull(outcome, "outcome == null");
  }

  @Override
  public int logsPageSize() {
    return logsPageSize;
  }

  @Override
  public boolean emptyLogPage() {
    return takeOne(emptyLogPages);
  }

  @Override
  public int retrievalRunningAnswers() {
    return retrievalRunningAnswers;
  }

  @Override
  public String retrievalOutcome() {
    return retrievalOutcome;
  }

  @Override
  public Refusal access(String accessKeyId) {
    return access.apply(accessKeyId);
  }

  @Override
  public ReadFault nextRead() {
    if (takeOne(throttleNext) || throttling()) return ReadFault.THROTTLED;
    if (takeOne(failNext)) return ReadFault.unavailable(failStatus.get());
    if (takeOne(malformNext)) return ReadFault.MALFORMED;
    return ReadFault.NONE;
  }

  @Override
  public boolean leaveFirstUnprocessed() {
    return takeOne(unprocessNext);
  }

  @Override
  public Duration tracesDelay() {
    return tracesDelay.get();
  }

  @Override
  public int pageSize() {
    return pageSize;
  }

  @Override
  public int limitExceededChars() {
    return limitExceededChars;
  }

  @Override
  public Destination segmentDestination() {
    return destination.get();
  }

  private boolean throttling() {
    long until = throttleUntilNanos.get();
    return until != Long.MIN_VALUE && System.nanoTime() - until < 0;
  }

  private static boolean takeOne(AtomicInteger counter) {
    while (true) {
      int n = counter.get();
      if (n <= 0) return false;
      if (counter.compareAndSet(n, n - 1)) return true;
    }
  }
}
