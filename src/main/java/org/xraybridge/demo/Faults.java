package org.xraybridge.demo;

import java.time.Duration;

/**
 * How the emulated X-Ray service departs from a quiet account, asked on every request: the faults a
 * real one shows (throttling, 5xx, a 200 that is not JSON, ids left unprocessed, slow answers) and the
 * account conditions a source must cope with (short pages, a lower size quota, segments sent to
 * CloudWatch Logs, slow trace retrievals). {@link #NONE}, the demo's, is a healthy account with the documented defaults; tests
 * and benches give their own (docs/xray-source.md says what the source does with each).
 *
 * <p>Called from event-loop threads: implementations answer at once and are thread-safe.
 */
public interface Faults {

  /** A healthy account: no fault, the defaults below. */
  Faults NONE = new Faults() {};

  /** Summaries a GetTraceSummaries page holds when nothing says otherwise; the real size is not documented. */
  int DEFAULT_PAGE_SIZE = 100;
  /** The documented trace-document quota when segments are sent batched (AWS's X-Ray quotas): 500 KB. */
  int DEFAULT_LIMIT_EXCEEDED_CHARS = 500 * 1024;

  /**
   * What a read call (GetTraceSummaries, BatchGetTraces, StartTraceRetrieval, ListRetrievedTraces,
   * FilterLogEvents) meets before its answer; asked once a call.
   */
  default ReadFault nextRead() {
    return ReadFault.NONE;
  }

  /** Whether this BatchGetTraces call leaves its first id in {@code UnprocessedTraceIds}; asked once a call. */
  default boolean leaveFirstUnprocessed() {
    return false;
  }

  /** How long a successful BatchGetTraces answer waits before it is sent (without blocking a thread). */
  default Duration tracesDelay() {
    return Duration.ZERO;
  }

  /** Summaries per GetTraceSummaries page, at least 1. */
  default int pageSize() {
    return DEFAULT_PAGE_SIZE;
  }

  /** Traces whose documents exceed this many characters are flagged {@code LimitExceeded}. */
  default int limitExceededChars() {
    return DEFAULT_LIMIT_EXCEEDED_CHARS;
  }

  /** Events a FilterLogEvents page holds at most (the API's own bound is 10,000 or 1 MB). */
  default int logsPageSize() {
    return 10_000;
  }

  /** Whether this FilterLogEvents call answers an empty page that still carries a {@code nextToken} (the API may). */
  default boolean emptyLogPage() {
    return false;
  }

  /** How often ListRetrievedTraces answers SCHEDULED or RUNNING before a retrieval ends. */
  default int retrievalRunningAnswers() {
    return 1;
  }

  /** How a retrieval ends: {@code COMPLETE}, {@code FAILED}, {@code CANCELLED} or {@code TIMEOUT}. */
  default String retrievalOutcome() {
    return "COMPLETE";
  }

  /** What GetTraceSegmentDestination answers. */
  default Destination segmentDestination() {
    return Destination.XRAY_ACTIVE;
  }

  /**
   * Whether a call signed with access key {@code accessKeyId} (named by the SigV4 {@code Authorization}
   * header; {@code ""} when the call is unsigned) is served; asked once a call, before anything else.
   * The emulator checks no signature: a test's policy decides, e.g. that only credentials a local STS
   * issued for this account, and not yet expired, are let in.
   */
  default Refusal access(String accessKeyId) {
    return Refusal.NONE;
  }

  /**
   * Why a call's credentials are refused, answered 403 with {@code type} as the service does
   * ({@code ExpiredTokenException}, {@code UnrecognizedClientException}, {@code AccessDeniedException}).
   */
  record Refusal(String type, String message) {
    /** Served. */
    public static final Refusal NONE = new Refusal("", "");

    public boolean refused() {
      return !type.isEmpty();
    }
  }

  /**
   * A fault in place of a read call's answer.
   *
   * @param kind what the call meets
   * @param status the HTTP status answered
   */
  record ReadFault(Kind kind, int status) {
    /** Answer the call. */
    public static final ReadFault NONE = new ReadFault(Kind.NONE, 200);
    /** 429 {@code ThrottledException}. */
    public static final ReadFault THROTTLED = new ReadFault(Kind.THROTTLED, 429);
    /** 200 with a body that is not JSON. */
    public static final ReadFault MALFORMED = new ReadFault(Kind.MALFORMED, 200);

    /** A 5xx {@code ServiceUnavailableException}. */
    public static ReadFault unavailable(int status) {
      if (status < 500 || status > 599) throw new IllegalArgumentException("status: expected a 5xx, got " + status);
      return new ReadFault(Kind.UNAVAILABLE, status);
    }

    public enum Kind {
      NONE,
      THROTTLED,
      UNAVAILABLE,
      MALFORMED
    }
  }

  /**
   * Where the account sends its segments and whether that setting took effect.
   *
   * @param destination {@code XRay} or {@code CloudWatchLogs}
   * @param status {@code ACTIVE} or {@code PENDING}
   */
  record Destination(String destination, String status) {
    public static final Destination XRAY_ACTIVE = new Destination("XRay", "ACTIVE");
    /** Transaction Search is on: spans go to CloudWatch Logs, BatchGetTraces finds nothing. */
    public static final Destination CLOUDWATCH_LOGS_ACTIVE = new Destination("CloudWatchLogs", "ACTIVE");

    public boolean toLogs() {
      return destination.equals("CloudWatchLogs");
    }
  }
}
