package org.xraybridge.demo;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The CloudWatch Logs side of an emulated Transaction Search account: log groups (X-Ray writes
 * {@code aws/spans}) holding events as FilterLogEvents returns them — a time stamp (epoch ms, what its
 * window selects on), the ingestion time (the store's clock), an id, a message — kept in the order the
 * API documents for its results: by time stamp, then ingestion time, then arrival. Bounded per group;
 * past the bound the oldest events are forgotten (CloudWatch keeps them by retention). Thread-safe.
 */
public final class SpanLogStore {

  /** Events kept per group by default. */
  public static final int DEFAULT_MAX_EVENTS = 100_000;

  /** One log event. */
  public record Event(String stream, long timestamp, long ingestionTime, long sequence, String eventId, String message) {
    /** Size as CloudWatch Logs counts it: the UTF-8 message plus 26 bytes. */
    int size() {
      return message.getBytes(StandardCharsets.UTF_8).length + 26;
    }
  }

  static final Comparator<Event> ORDER =
      Comparator.comparingLong(Event::timestamp).thenComparingLong(Event::ingestionTime).thenComparingLong(Event::sequence);

  private final Clock clock;
  private final int maxEvents;
  private final Map<String, TreeSet<Event>> groups = new HashMap<>();
  private long sequence;

  public SpanLogStore(Clock clock) {
    this(clock, DEFAULT_MAX_EVENTS);
  }

  public SpanLogStore(Clock clock, int maxEvents) {
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.maxEvents = maxEvents;
  }

  /** Creates a log group (X-Ray creates {@code aws/spans} when Transaction Search is turned on). */
  public synchronized void createGroup(String group) {
    groups.computeIfAbsent(group, g -> new TreeSet<>(ORDER));
  }

  /** Adds one event stamped {@code timestampMillis}; returns its id. */
  public synchronized String put(String group, long timestampMillis, String message) {
    TreeSet<Event> events = groups.computeIfAbsent(group, g -> new TreeSet<>(ORDER));
    long seq = ++sequence;
    // CloudWatch's ids are long decimal strings; these sort with the events
    String id = String.format("%020d%020d", Math.max(0, timestampMillis), seq);
    events.add(new Event("xray", timestampMillis, clock.millis(), seq, id, message));
    while (events.size() > maxEvents) events.pollFirst();
    return id;
  }

  /**
   * Adds span records as X-Ray would: each stamped with its {@code startTimeUnixNano} in milliseconds
   * (which time X-Ray stamps is not documented; docs/xray-source.md says why the start is assumed).
   */
  public List<String> putRecords(String group, List<String> records) {
    List<String> ids = new ArrayList<>(records.size());
    for (String r : records) ids.add(put(group, startMillis(r), r));
    return ids;
  }

  public synchronized boolean hasGroup(String group) {
    return groups.containsKey(group);
  }

  /** Events of {@code group} whose time stamp is in {@code [start, end]} (both count, as FilterLogEvents'), in order. */
  synchronized List<Event> events(String group, long start, long end) {
    TreeSet<Event> events = groups.get(group);
    if (events == null) return List.of();
    List<Event> out = new ArrayList<>();
    for (Event e : events) {
      if (e.timestamp() < start) continue;
      if (e.timestamp() > end) break;
      out.add(e);
    }
    return out;
  }

  /** Every event of {@code group}, in order. */
  public synchronized List<Event> all(String group) {
    TreeSet<Event> events = groups.get(group);
    return events == null ? List.of() : List.copyOf(events);
  }

  /** The record's start in epoch milliseconds, or the clock's now when it has none to read. */
  private long startMillis(String record) {
    try {
      JsonNode n = EmulatorStore.JSON.readTree(record).path("startTimeUnixNano");
      if (n.isNumber()) return n.decimalValue().movePointLeft(6).longValue();
      if (n.isString()) return new BigDecimal(n.asString()).movePointLeft(6).longValue();
    } catch (JacksonException | NumberFormatException e) {
      // a record the test made unreadable on purpose: stamped now
    }
    return clock.millis();
  }
}
