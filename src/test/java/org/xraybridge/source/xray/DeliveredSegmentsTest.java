package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The delivered set forgets a trace once the poll cursor — not the clock — passed the end of the
 * window it was last read in by the ttl: while the cursor holds (an outage, a full sink, a stopped
 * bridge) the traces the overlap will read again stay known however long it lasts, and a long window
 * does not age what it read.
 */
class DeliveredSegmentsTest {

  private static final Duration TTL = Duration.ofMinutes(10);
  private static final Instant T0 = Instant.parse("2026-11-29T06:00:00Z");

  private final AtomicReference<Instant> cursor = new AtomicReference<>(T0);
  /** The window being read: [cursor − overlap, cursor + 1 h) */
  private final AtomicReference<Instant> readingTo = new AtomicReference<>(T0.plus(Duration.ofHours(1)));
  private final AtomicInteger evictedEarly = new AtomicInteger();
  private final DeliveredSegments delivered =
      new DeliveredSegments(TTL, 10_000, cursor::get, readingTo::get, evictedEarly::incrementAndGet);

  @Test
  void aTrace_isForgotten_onlyOnceTheCursorPassedTheEndOfItsWindowByTheTtl() {
    delivered.update(delivered.getOrCreate("1-a")); // read in the hour-long window

    cursor.set(T0.plus(Duration.ofHours(1))); // the window completed: the next one re-reads its last minutes
    assertThat(delivered.get("1-a")).as("the overlap may read it again").isNotNull();
    cursor.set(T0.plus(Duration.ofHours(1)).plus(TTL).minusSeconds(1));
    assertThat(delivered.get("1-a")).as("the cursor is not yet the ttl past the window's end").isNotNull();

    cursor.set(T0.plus(Duration.ofHours(1)).plus(TTL).plusSeconds(1));
    assertThat(delivered.get("1-a")).as("no window can read it again").isNull();
    assertThat(evictedEarly).as("expired in time, not evicted early").hasValue(0);
  }

  @Test
  void restore_keepsWhatTheSavedCursorHasNotMovedTheTtlPast_whateverTheClockSays() {
    DeliveredSegments.TraceProgress p = delivered.getOrCreate("1-kept");
    delivered.update(p);
    DeliveredSegments.TraceProgress old = delivered.getOrCreate("1-old");
    delivered.update(old);
    var saved = new java.util.ArrayList<>(delivered.snapshot());
    // "1-old" was last read a whole ttl before the saved cursor
    saved.replaceAll(e -> e.traceId().equals("1-old")
        ? new XRayCheckpoint.TraceEntry(e.traceId(), e.revision(), e.delivered(), e.spanIds(), e.held(), e.heldSince(),
            T0.minus(TTL).minusSeconds(1))
        : e);

    AtomicReference<Instant> resumed = new AtomicReference<>(T0.plusSeconds(30));
    DeliveredSegments after = new DeliveredSegments(TTL, 10_000, resumed::get, resumed::get, () -> {});
    after.restore(saved, resumed.get());

    assertThat(after.get("1-kept")).isNotNull();
    assertThat(after.get("1-old")).isNull();
  }
}
