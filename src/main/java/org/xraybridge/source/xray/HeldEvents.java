package org.xraybridge.source.xray;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xraybridge.source.xray.XRayCheckpoint.HeldEvent;

/**
 * Span records of {@code aws/spans} the converter held because they were in progress: kept whole —
 * a log event cannot be asked for again by id, unlike an X-Ray trace — and offered again with their
 * trace's next records, or alone once their in-progress timeout passed, when the converter emits them
 * as they are (docs/conversion.md §8.2). Bounded in records and in characters (a record may be 1 MB,
 * and they go into the checkpoint): past either bound the oldest is given up and reported. Not
 * thread-safe: used under the {@link XRayPollState} lock.
 */
final class HeldEvents {

  private final Map<String, HeldEvent> byEvent = new LinkedHashMap<>();
  private final int max;
  private final long maxChars;
  private final Runnable givenUp;
  private long chars;

  /** @param givenUp told of each record given up at a bound (counted as evicted) */
  HeldEvents(int max, long maxChars, Runnable givenUp) {
    this.max = max;
    this.maxChars = maxChars;
    this.givenUp = givenUp;
  }

  /** Holds {@code e}; one held before under the same event id keeps its first {@code since}. */
  void hold(HeldEvent e) {
    if (byEvent.containsKey(e.eventId())) return;
    byEvent.put(e.eventId(), e);
    chars += e.message().length();
    while (byEvent.size() > max || (chars > maxChars && !byEvent.isEmpty())) {
      Iterator<HeldEvent> oldest = byEvent.values().iterator();
      chars -= oldest.next().message().length();
      oldest.remove();
      givenUp.run();
    }
  }

  void release(String eventId) {
    HeldEvent e = byEvent.remove(eventId);
    if (e != null) chars -= e.message().length();
  }

  boolean isHeld(String eventId) {
    return byEvent.containsKey(eventId);
  }

  /** The records held for trace {@code traceKey}. */
  List<HeldEvent> ofTrace(String traceKey) {
    List<HeldEvent> out = new ArrayList<>(0);
    for (HeldEvent e : byEvent.values()) if (e.traceKey().equals(traceKey)) out.add(e);
    return out;
  }

  /** The records held for at least {@code timeout}. */
  List<HeldEvent> due(Instant now, Duration timeout) {
    List<HeldEvent> out = new ArrayList<>(0);
    for (HeldEvent e : byEvent.values()) if (!e.since().plus(timeout).isAfter(now)) out.add(e);
    return out;
  }

  int size() {
    return byEvent.size();
  }

  List<HeldEvent> snapshot() {
    return List.copyOf(byEvent.values());
  }

  void restore(List<HeldEvent> events) {
    for (HeldEvent e : events) hold(e);
  }
}
