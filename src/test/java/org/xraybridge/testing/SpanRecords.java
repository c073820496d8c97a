package org.xraybridge.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.xraybridge.model.TimeCodec;

/**
 * Span records as X-Ray writes them to {@code aws/spans} with Transaction Search on (docs/conversion.md
 * §8.1: the fields AWS documents for the group), for tests of the logs path. Random ids from a seed.
 */
public final class SpanRecords {

  private final SplittableRandom random;

  public SpanRecords(long seed) {
    random = new SplittableRandom(seed);
  }

  /** A W3C trace id whose first 8 hex digits are {@code at}'s epoch second, as X-Ray's are. */
  public String traceId(Instant at) {
    return String.format("%08x%08x%016x", at.getEpochSecond(), random.nextInt(), random.nextLong() | 1L);
  }

  public String spanId() {
    long v;
    do {
      v = random.nextLong();
    } while (v == 0);
    return String.format("%016x", v);
  }

  /** A complete SERVER span of {@code service}. */
  public static String span(String traceId, String spanId, String parentSpanId, String service, Instant start, Duration duration) {
    long s = TimeCodec.epochNanos(start);
    return "{\"resource\":{\"attributes\":{\"service.name\":\"" + service + "\",\"cloud.provider\":\"aws\"}},"
        + "\"scope\":{\"name\":\"aws.xray\"},\"traceId\":\"" + traceId + "\",\"spanId\":\"" + spanId + "\""
        + (parentSpanId.isEmpty() ? "" : ",\"parentSpanId\":\"" + parentSpanId + "\"")
        + ",\"name\":\"GET /orders\",\"kind\":\"SERVER\",\"startTimeUnixNano\":" + s + ",\"endTimeUnixNano\":"
        + (s + duration.toNanos()) + ",\"durationNano\":" + duration.toNanos()
        + ",\"attributes\":{\"http.request.method\":\"GET\",\"http.response.status_code\":200},\"status\":{\"code\":\"UNSET\"}}";
  }

  /** An in-progress span: no end yet. */
  public static String inProgress(String traceId, String spanId, String service, Instant start) {
    return "{\"resource\":{\"attributes\":{\"service.name\":\"" + service + "\"}},\"traceId\":\"" + traceId
        + "\",\"spanId\":\"" + spanId + "\",\"name\":\"work\",\"kind\":\"INTERNAL\",\"startTimeUnixNano\":"
        + TimeCodec.epochNanos(start) + ",\"attributes\":{}}";
  }
}
