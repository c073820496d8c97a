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
 * as they are (docs/conversion.md §8.2). Bounded: past {@code max} the oldest is given up and
 * reported. Not thread-safe: used under the {@link XRayPollState} lock.
 */
final class HeldEvents {

  private final Map<String, HeldEvent> byEvent = new LinkedHashMap<>();
  private final int max;
  private final Runnable givenUp;

  /** @param givenUp told of each record given up at the bound (counted as evicted) */
  HeldEvents(int max, Runnable givenUp) {
    this.max = max;
    this.givenUp = givenUp;
  }

  /** Holds {@code e}; one held before under the same event id keeps its first {@code since}. */
  void hold(HeldEvent e) {
    HeldEvent before = byEvent.get(e.eventId());
    byEvent.put(e.eventId(), before == null ? e : before);
    while (byEvent.size() > max) {
      Iterator<String> oldest = byEvent.keySet().iterator();
      oldest.next();
      oldest.remove();
      givenUp.run();
    }
  }

  void release(String eventId) {
    byEvent.remove(eventId);
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
