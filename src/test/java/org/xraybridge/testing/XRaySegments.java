package org.xraybridge.testing;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.xraybridge.demo.TimeShift;

/** Segment documents for tests, shaped like the X-Ray SDKs write them. Random ids from a seed. */
public final class XRaySegments {
  private final SplittableRandom random;

  public XRaySegments(long seed) {
    random = new SplittableRandom(seed);
  }

  public String traceId(Instant at) {
    return TimeShift.traceId(at.getEpochSecond(), random);
  }

  public String segmentId() {
    long v;
    do {
      v = random.nextLong();
    } while (v == 0);
    return String.format("%016x", v);
  }

  public static String segment(String traceId, String id, String parentId, Instant start, Duration duration) {
    return "{\"name\":\"svc-" + id.substring(0, 4) + "\",\"id\":\"" + id + "\",\"trace_id\":\"" + traceId + "\""
        + (parentId.isEmpty() ? "" : ",\"parent_id\":\"" + parentId + "\"")
        + ",\"start_time\":" + seconds(start) + ",\"end_time\":" + seconds(start.plus(duration))
        + ",\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://example.com/" + id + "\"},\"response\":{\"status\":200}}"
        + ",\"subsegments\":[{\"id\":\"" + child(id) + "\",\"name\":\"work\",\"start_time\":" + seconds(start)
        + ",\"end_time\":" + seconds(start.plus(duration.dividedBy(2))) + "}]}";
  }

  public static String inProgress(String traceId, String id, Instant start) {
    return "{\"name\":\"svc-" + id.substring(0, 4) + "\",\"id\":\"" + id + "\",\"trace_id\":\"" + traceId
        + "\",\"start_time\":" + seconds(start) + ",\"in_progress\":true}";
  }

  public static String independent(String traceId, String id, String parentId, Instant start, Duration duration) {
    return "{\"type\":\"subsegment\",\"name\":\"late-work\",\"id\":\"" + id + "\",\"trace_id\":\"" + traceId
        + "\",\"parent_id\":\"" + parentId + "\",\"start_time\":" + seconds(start) + ",\"end_time\":"
        + seconds(start.plus(duration)) + "}";
  }

  public static String rejectable(String traceId, String id, Instant start) {
    return "{\"name\":\"reject-me\",\"id\":\"" + id + "\",\"trace_id\":\"" + traceId + "\",\"start_time\":"
        + seconds(start) + ",\"end_time\":" + seconds(start.plusMillis(5)) + "}";
  }

  /** The embedded subsegment id {@link #segment} gives a segment: its id with the last hex digit flipped. */
  public static String child(String id) {
    char last = id.charAt(15);
    char flipped = Character.forDigit(Character.digit(last, 16) ^ 0x1, 16);
    return id.substring(0, 15) + flipped;
  }

  public static String seconds(Instant t) {
    return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).stripTrailingZeros().toPlainString();
  }
}
