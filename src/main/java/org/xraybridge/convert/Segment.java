package org.xraybridge.convert;

import java.util.List;
import java.util.Objects;

/**
 * One X-Ray segment or subsegment as the parser read it: raw, unvalidated text where the document
 * has text (ids, numbers keep their exact spelling), {@code ""} where it has nothing, flags as
 * {@link Tri}. Open-ended blocks ({@code aws}, {@code annotations}, {@code metadata}, {@code service},
 * {@code sql}) arrive flattened into {@link Entry} lists in document order; the converter decides
 * what each becomes. See docs/conversion.md for the rules applied to it.
 */
public record Segment(
    String id,
    String name,
    String traceId,
    String parentId,
    String type,
    String startTime,
    String endTime,
    boolean inProgress,
    String origin,
    String namespace,
    boolean inferred,
    String resourceArn,
    String user,
    Tri fault,
    Tri error,
    Tri throttle,
    Tri traced,
    Http http,
    List<Entry> aws,
    List<Entry> sql,
    List<Entry> annotations,
    List<Entry> metadata,
    List<Entry> service,
    DatadogBlock datadog,
    Cause cause,
    List<String> precursorIds,
    List<Link> links,
    List<Segment> subsegments,
    List<String> repairs) {

  public Segment {
    Objects.requireNonNull(id);
    Objects.requireNonNull(name);
    Objects.requireNonNull(traceId);
    Objects.requireNonNull(parentId);
    Objects.requireNonNull(type);
    Objects.requireNonNull(startTime);
    Objects.requireNonNull(endTime);
    Objects.requireNonNull(origin);
    Objects.requireNonNull(namespace);
    Objects.requireNonNull(resourceArn);
    Objects.requireNonNull(user);
    Objects.requireNonNull(http);
    Objects.requireNonNull(datadog);
    Objects.requireNonNull(cause);
    aws = List.copyOf(aws);
    sql = List.copyOf(sql);
    annotations = List.copyOf(annotations);
    metadata = List.copyOf(metadata);
    service = List.copyOf(service);
    precursorIds = List.copyOf(precursorIds);
    links = List.copyOf(links);
    subsegments = List.copyOf(subsegments);
    repairs = List.copyOf(repairs);
  }

  /** An independent subsegment: a top-level document of {@code "type": "subsegment"}. */
  public boolean isSubsegmentDocument() {
    return "subsegment".equals(type);
  }

  /** A JSON boolean that may be absent. */
  public enum Tri {
    ABSENT,
    FALSE,
    TRUE;

    public boolean isTrue() {
      return this == TRUE;
    }

    public boolean present() {
      return this != ABSENT;
    }

    public String text() {
      return this == TRUE ? "true" : "false";
    }
  }

  /** How a flattened value was written. */
  public enum Kind {
    STRING,
    NUMBER,
    BOOLEAN,
    /** A list of scalars, joined with {@code ,}. */
    LIST,
    /** Any other object or array, as compact JSON. */
    JSON
  }

  /**
   * One flattened value. {@code key} is the path below the block, dotted for the nested objects that
   * are flattened ({@code ec2.instance_id}); {@code text} is the value's text (numbers in their
   * document spelling, booleans {@code true}/{@code false}, JSON compact).
   */
  public record Entry(String key, Kind kind, String text) {
    public Entry {
      Objects.requireNonNull(key);
      Objects.requireNonNull(kind);
      Objects.requireNonNull(text);
    }
  }

  /** The {@code http} block; {@code hasRequest} is false when there is no {@code request} object. */
  public record Http(
      boolean hasRequest,
      String method,
      String url,
      String userAgent,
      String clientIp,
      Tri xForwardedFor,
      Tri traced,
      String status,
      String contentLength) {

    public static final Http NONE = new Http(false, "", "", "", "", Tri.ABSENT, Tri.ABSENT, "", "");

    public boolean present() {
      return this != NONE;
    }
  }

  /** {@code cause}: absent, an object with exceptions, a 16-hex reference, or malformed. */
  public record Cause(CauseKind kind, String referenceId, List<XException> exceptions) {
    public static final Cause NONE = new Cause(CauseKind.NONE, "", List.of());
    public static final Cause MALFORMED = new Cause(CauseKind.MALFORMED, "", List.of());

    public Cause {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(referenceId);
      exceptions = List.copyOf(exceptions);
    }
  }

  public enum CauseKind {
    NONE,
    OBJECT,
    REFERENCE,
    MALFORMED
  }

  /** One element of {@code cause.exceptions}. */
  public record XException(String id, String type, String message, List<Frame> stack) {
    public XException {
      Objects.requireNonNull(id);
      Objects.requireNonNull(type);
      Objects.requireNonNull(message);
      stack = List.copyOf(stack);
    }
  }

  /** One stack frame; {@code line} is the number's text or {@code ""}. */
  public record Frame(String label, String path, String line) {}

  /** One element of {@code links}; attribute values as text. */
  public record Link(String traceId, String id, List<Entry> attributes) {
    public Link {
      attributes = List.copyOf(attributes);
    }
  }

  /**
   * {@code metadata.datadog} as Datadog's Lambda libraries write it; texts are {@code ""} when absent.
   * {@code present} is true when {@code metadata.datadog.trace} is an object.
   */
  public record DatadogBlock(
      boolean present, String traceId, String parentId, String samplingPriority, List<Entry> functionTags) {
    public static final DatadogBlock NONE = new DatadogBlock(false, "", "", "", List.of());

    public DatadogBlock {
      functionTags = List.copyOf(functionTags);
    }
  }
}
