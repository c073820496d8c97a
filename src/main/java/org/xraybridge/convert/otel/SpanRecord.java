package org.xraybridge.convert.otel;

import java.util.List;
import java.util.Objects;

/**
 * One span as X-Ray writes it to the CloudWatch Logs group {@code aws/spans} (one log event message,
 * docs/conversion.md §8): the OpenTelemetry span in AWS's flattened JSON form, read by
 * {@code convert.json.SpanRecordParser}, not yet validated. Absent text is {@code ""}; absent lists
 * are empty; nothing is null.
 *
 * @param traceId {@code traceId} as written (32 hex expected)
 * @param spanId {@code spanId} as written (16 hex expected)
 * @param parentSpanId {@code parentSpanId}, {@code ""} on a root
 * @param kind {@code kind} as written: {@code SERVER}, {@code SPAN_KIND_SERVER} or the OTLP number {@code 2}
 * @param startTime {@code startTimeUnixNano}: the number's text (JSON number or string holding one)
 * @param endTime {@code endTimeUnixNano}, same form
 * @param duration {@code durationNano}, same form (used only when the end is missing)
 * @param statusCode {@code status.code} as written: {@code UNSET}, {@code OK}, {@code ERROR} (or their
 *     {@code STATUS_CODE_} and numeric forms)
 * @param repairs values of the wrong JSON type that were treated as absent ({@code wrong_type:<field>})
 */
public record SpanRecord(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    String kind,
    String startTime,
    String endTime,
    String duration,
    List<Attribute> attributes,
    List<Attribute> resourceAttributes,
    String scopeName,
    String scopeVersion,
    String statusCode,
    String statusMessage,
    String traceState,
    List<Event> events,
    List<Link> links,
    List<String> repairs) {

  public SpanRecord {
    // Made only by SpanRecordParser, which writes "" for absent text, never null: nothing to check.
    attributes = List.copyOf(attributes);
    resourceAttributes = List.copyOf(resourceAttributes);
    events = List.copyOf(events);
    links = List.copyOf(links);
    repairs = List.copyOf(repairs);
  }

  /** The JSON type an attribute value had; OTel's AnyValue kinds as the flat form spells them. */
  public enum Type {
    STRING,
    BOOL,
    /** A JSON number written without fraction or exponent. */
    INT,
    /** Any other JSON number. */
    DOUBLE,
    ARRAY,
    /** A JSON object (OTel's kvlist). */
    MAP;

    public boolean numeric() {
      return this == INT || this == DOUBLE;
    }

    public boolean scalar() {
      return this != ARRAY && this != MAP;
    }
  }

  /**
   * One attribute. {@code text}: a string's value, {@code true}/{@code false}, a number in its JSON
   * spelling, an array or object as compact JSON. {@code items}: for an array, the text of each
   * scalar element in order (strings unquoted); empty otherwise.
   */
  public record Attribute(String key, Type type, String text, List<String> items) {
    public Attribute {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(text, "text");
      items = List.copyOf(items);
    }

    public Attribute(String key, Type type, String text) {
      this(key, type, text, List.of());
    }
  }

  /** One span event ({@code events[]}); {@code time} is {@code timeUnixNano}'s text. */
  public record Event(String name, String time, List<Attribute> attributes) {
    public Event {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(time, "time");
      attributes = List.copyOf(attributes);
    }
  }

  /** One span link ({@code links[]}). */
  public record Link(String traceId, String spanId, String traceState, List<Attribute> attributes) {
    public Link {
      Objects.requireNonNull(traceId, "traceId");
      Objects.requireNonNull(spanId, "spanId");
      Objects.requireNonNull(traceState, "traceState");
      attributes = List.copyOf(attributes);
    }
  }
}
