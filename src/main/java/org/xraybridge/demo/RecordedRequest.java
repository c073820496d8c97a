package org.xraybridge.demo;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * One request the {@link XRayEmulator} answered, for tests to assert on what a client did. Absent
 * fields are {@code ""}, {@link BigDecimal#ZERO} or empty.
 *
 * @param operation {@code GetTraceSummaries}, {@code BatchGetTraces}, {@code PutTraceSegments},
 *     {@code GetTraceSegmentDestination}, {@code StartTraceRetrieval}, {@code ListRetrievedTraces},
 *     {@code FilterLogEvents} or the path for anything else
 * @param receivedNanos {@link System#nanoTime()} when the request arrived (for spacing, i.e. rate)
 * @param traceIds {@code TraceIds} of a BatchGetTraces call
 * @param startTime {@code StartTime} of a GetTraceSummaries call, epoch seconds as sent; {@code startTime}
 *     of a FilterLogEvents call, epoch milliseconds
 * @param endTime {@code EndTime}, likewise
 * @param timeRangeType {@code TimeRangeType} as sent ({@code ""} when absent)
 * @param filterExpression {@code FilterExpression} as sent; the log group of a FilterLogEvents call
 * @param nextToken the request's {@code NextToken}
 * @param responseNextToken the {@code NextToken} answered ({@code ""} on the last page)
 * @param status the HTTP status answered
 * @param returned summaries or traces answered
 * @param accessKeyId the access key id the call was signed with ({@code ""} when unsigned)
 */
public record RecordedRequest(
    String operation,
    long receivedNanos,
    List<String> traceIds,
    BigDecimal startTime,
    BigDecimal endTime,
    String timeRangeType,
    String filterExpression,
    String nextToken,
    String responseNextToken,
    int status,
    int returned,
    String accessKeyId) {

  public static final String GET_TRACE_SUMMARIES = "GetTraceSummaries";
  public static final String BATCH_GET_TRACES = "BatchGetTraces";
  public static final String PUT_TRACE_SEGMENTS = "PutTraceSegments";
  public static final String GET_TRACE_SEGMENT_DESTINATION = "GetTraceSegmentDestination";
  public static final String START_TRACE_RETRIEVAL = "StartTraceRetrieval";
  public static final String LIST_RETRIEVED_TRACES = "ListRetrievedTraces";
  /** CloudWatch Logs, served by the same emulator. */
  public static final String FILTER_LOG_EVENTS = "FilterLogEvents";

  public RecordedRequest {
    Objects.requireNonNull(operation, "operation == null");
    traceIds = List.copyOf(traceIds);
    Objects.requireNonNull(startTime, "startTime == null");
    Objects.requireNonNull(endTime, "endTime == null");
    Objects.requireNonNull(timeRangeType, "timeRangeType == null");
    Objects.requireNonNull(filterExpression, "filterExpression == null");
    Objects.requireNonNull(nextToken, "nextToken == null");
    Objects.requireNonNull(responseNextToken, "responseNextToken == null");
    Objects.requireNonNull(accessKeyId, "accessKeyId == null");
  }

  public boolean ok() {
    return status == 200;
  }
}
