package org.xraybridge.source.daemon;


import static java.time.Duration.ofMillis;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.source.daemon.Datagrams.T0;
import static org.xraybridge.source.daemon.Datagrams.inProgressSegment;
import static org.xraybridge.source.daemon.Datagrams.segment;
import static org.xraybridge.source.daemon.Datagrams.subsegment;
import static org.xraybridge.source.daemon.Datagrams.traceId;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Span;
import org.xraybridge.ops.DropLedger;
import org.xraybridge.ops.MicrometerDaemonMetrics;
import org.xraybridge.source.daemon.DaemonMetrics.DocumentOutcome;
import org.xraybridge.source.daemon.DaemonMetrics.FlushReason;
import org.xraybridge.testing.Cases;
import org.xraybridge.testing.MutableClock;
import org.xraybridge.testing.RecordingSink;

/** Assembly with time driven by the test: the real converter, a recording merge stage, the real ledger. */
class PendingTracesTest {

  private static final long MS = 1_000_000L;
  private static final Instant EPOCH = Instant.ofEpochSecond(T0 + 10);
  private static final String TRACE = traceId(1);
  private static final String SEG = "5eea000000000001";

  private final MutableClock clock = new MutableClock(EPOCH);
  private final DropLedger ledger = new DropLedger(new SimpleMeterRegistry(), Clock.systemUTC(), Duration.ofHours(1));
  private final RecordingSink sink = new RecordingSink();
  private final MicrometerDaemonMetrics metrics = new MicrometerDaemonMetrics(new SimpleMeterRegistry());
  private TestSettings settings = TestSettings.loopback().timing(ofMillis(100), ofSeconds(1), ofSeconds(10), ofMillis(10));
  private PendingTraces assembler = assembler(settings, clock);
  private long now;
  private int added;

  @Test
  void add_streamedSubsegmentsThenTheirSegment_oneChunkAfterTheQuietPeriodWithTheSegmentsService() {
    List<byte[]> streamed = Datagrams.captured("xray-sdk-java_streamed-subsegments");
    for (byte[] d : streamed) add(decode(d), 0);
    tickAt(99);
    assertThat(sink.accepted).isEmpty();
    tickAt(100);

    assertThat(sink.accepted).hasSize(1);
    Span segment = sink.span("28808f6bcc2a6e94");
    assertThat(segment.name()).isEqualTo("xray.segment");
    for (String id : List.of("34fcf314968136b5", "6dc7ae011f0984cc", "343a40959a15384f", "1adb026e52d4c10f")) {
      Span s = sink.span(id);
      assertThat(s.service()).as("service of %s", id).isEqualTo(segment.service()).isEqualTo("batch-importer");
      assertThat(s.parentId()).isEqualTo(segment.spanId());
    }
    assertThat(flushes(FlushReason.QUIET)).isEqualTo(1);
    assertThat(documents(DocumentOutcome.DELIVERED)).isEqualTo(5);
    assertBooksBalance();
  }

  @Test
  void tick_subsegmentsWithoutTheirSegment_waitForTheOrphanWindowThenTheSegmentFollowsAlone() {
    add(subsegment(TRACE, "5ab0000000000001", SEG, "chunk-1", T0 + 1.0, T0 + 1.1), 0);
    add(subsegment(TRACE, "5ab0000000000002", SEG, "chunk-2", T0 + 1.1, T0 + 1.2), 5);
    tickAt(1_000); // the assembly window alone does not release orphans
    tickAt(9_999);
    assertThat(sink.accepted).isEmpty();
    tickAt(10_000);
    assertThat(sink.accepted).hasSize(1);
    assertThat(sink.span("5ab0000000000001").service()).isEqualTo("chunk-1"); // its segment never came in time

    add(segment(TRACE, SEG, "importer", T0 + 0.9, T0 + 2.0), 11_000);
    tickAt(11_100);
    assertThat(sink.accepted).hasSize(2);
    assertThat(sink.accepted.get(1).spans()).extracting(Span::spanId).containsExactly(Long.parseUnsignedLong(SEG, 16));
    sink.span("5ab0000000000001"); // still exactly once
    assertThat(flushes(FlushReason.ORPHAN)).isEqualTo(1);
    assertBooksBalance();
  }

  @Test
  void add_lateIndependentSubsegmentAfterItsSegmentLeft_takesTheSegmentsServiceFromContext() {
    add(decode(Datagrams.captured("xray-sdk-java_segment").get(0)), 0); // order-api with 5 nested subsegments
    tickAt(100);
    assertThat(sink.spanCount()).isEqualTo(6);
    String trace = "1-6b0bb359-156d5372c855207ba0ec53d3";
    // asynchronous work under the nested "validate-order" subsegment, ending after the response
    add(subsegment(trace, "1a7e000000000001", "36b04b0cebfbc392", "send-email", T0 + 1, T0 + 2), 3_000);
    tickAt(3_100);

    assertThat(sink.accepted).hasSize(2);
    ConvertedTrace late = sink.accepted.get(1);
    assertThat(late.spans()).hasSize(1);
    Span email = late.spans().get(0);
    assertThat(email.service()).isEqualTo(sink.span("1f23bbcdfc83555a").service()).isEqualTo("order-api");
    assertThat(email.parentId()).isEqualTo(Long.parseUnsignedLong("36b04b0cebfbc392", 16));
    assertThat(late.traceId()).isEqualTo(sink.accepted.get(0).traceId());
    assertBooksBalance();
  }

  @Test
  void add_inProgressSegmentThenItsCompleteVersion_subsegmentsGoFirstAndTheSegmentOnce() {
    add(inProgressSegment(TRACE, SEG, "checkout", T0 + 1), 0);
    add(subsegment(TRACE, "5ab0000000000001", SEG, "charge", T0 + 1.1, T0 + 1.3), 10);
    tickAt(110);
    assertThat(sink.spans()).extracting(Span::service).containsExactly("checkout"); // named by the held segment
    assertThat(assembler.levels().inProgressHeld()).isEqualTo(1);

    add(segment(TRACE, SEG, "checkout", T0 + 1, T0 + 1.5), 2_000);
    assertThat(documents(DocumentOutcome.SUPERSEDED)).isEqualTo(1);
    assertThat(assembler.levels().inProgressHeld()).isZero();
    tickAt(2_100);
    Span checkout = sink.span(SEG);
    assertThat(checkout.durationNanos()).isEqualTo(500 * MS);
    assertThat(checkout.meta()).doesNotContainKey("aws.xray.in_progress");
    assertThat(sink.spanCount()).isEqualTo(2);
    assertBooksBalance();
  }

  @Test
  void add_inProgressVersionAfterTheCompleteOne_isOutdatedAndIgnored() {
    add(segment(TRACE, SEG, "checkout", T0 + 1, T0 + 1.5), 0);
    add(inProgressSegment(TRACE, SEG, "checkout", T0 + 1), 1);
    tickAt(101);
    assertThat(sink.span(SEG).durationNanos()).isEqualTo(500 * MS);
    assertThat(documents(DocumentOutcome.SUPERSEDED)).isEqualTo(1);
    assertBooksBalance();
  }

  @Test
  void tick_inProgressSegmentThatNeverCompletes_emittedByTheConvertersTimeoutRule() {
    add(inProgressSegment(TRACE, SEG, "batch", T0 + 1), 0);
    tickAt(100);
    tickAt(599_000);
    assertThat(sink.accepted).isEmpty();
    tickAt(600_100); // arrival + bridge.xray.in-progress-timeout (10 min)

    Span batch = sink.span(SEG);
    assertThat(batch.meta()).containsEntry("aws.xray.in_progress", "true");
    assertThat(flushes(FlushReason.IN_PROGRESS)).isEqualTo(1);
    assertThat(assembler.levels().inProgressHeld()).isZero();
    assertBooksBalance();
  }

  @Test
  void tick_converterStillHoldsPastTwiceTheTimeout_givenUpAndCounted() {
    MutableClock frozen = new MutableClock(EPOCH); // a converter whose clock never moves: it always holds
    assembler = assembler(settings, frozen);
    add(inProgressSegment(TRACE, SEG, "batch", T0 + 1), 0);
    tickAt(100);
    for (int s = 600; s <= 1_200; s += 60) tickAt(s * 1_000L + 100);

    assertThat(sink.accepted).isEmpty();
    assertThat(documents(DocumentOutcome.DROPPED_IN_PROGRESS)).isEqualTo(1);
    assertThat(ledger.snapshot().documentsRejected()).isEqualTo(1); // in_progress_expired
    assertThat(assembler.bufferedDocuments()).isZero();
    assertBooksBalance();
  }

  @Test
  void add_atTheTraceCap_flushesTheOldestTraceEarly() {
    assembler = assembler(settings.caps(2, 100, TestSettings.MIN_MAX_BYTES), clock);
    add(segment(traceId(1), "5eea000000000001", "a", T0 + 1, T0 + 2), 0);
    add(segment(traceId(2), "5eea000000000002", "b", T0 + 1, T0 + 2), 1);
    assertThat(sink.accepted).isEmpty();
    add(segment(traceId(3), "5eea000000000003", "c", T0 + 1, T0 + 2), 2);

    assertThat(sink.accepted).extracting(ConvertedTrace::xrayTraceId).containsExactly(traceId(1));
    assertThat(flushes(FlushReason.EARLY)).isEqualTo(1);
    assertThat(assembler.bufferedTraces()).isEqualTo(2);
    tickAt(102);
    assertThat(sink.spanCount()).isEqualTo(3);
    assertBooksBalance();
  }

  @Test
  void add_atTheDocumentAndByteCaps_flushesEarlyAndStaysUnder() {
    assembler = assembler(settings.caps(100, 3, TestSettings.MIN_MAX_BYTES), clock);
    for (int i = 0; i < 10; i++) {
      add(subsegment(TRACE, String.format("5ab00000000000%02x", i), SEG, "s" + i, T0 + 1, T0 + 2), i);
      assertThat(assembler.bufferedDocuments()).isLessThanOrEqualTo(3);
    }
    String pad = "x".repeat(60_000);
    for (int i = 0; i < 10; i++) {
      add(segment(traceId(100 + i), "5eea0000000001" + String.format("%02x", i), "big", T0 + 1, T0 + 2)
          .replace("}", ",\"metadata\":{\"default\":{\"pad\":\"" + pad + "\"}}}"), 20 + i);
      assertThat(assembler.bufferedBytes()).isLessThanOrEqualTo(TestSettings.MIN_MAX_BYTES);
    }
    tickAt(20_000);
    assertThat(sink.spanCount()).isEqualTo(20);
    assertThat(flushes(FlushReason.EARLY)).isPositive();
    assertBooksBalance();
  }

  @Test
  void tick_mergeStageOverloaded_keepsTheChunkAndDeliversItOnceWhenItRecovers() {
    sink.overloaded = true;
    add(segment(TRACE, SEG, "api", T0 + 1, T0 + 2), 0);
    tickAt(100);
    tickAt(200);
    assertThat(sink.refused.get()).isEqualTo(2);
    assertThat(assembler.levels().chunksAwaitingSink()).isEqualTo(1);
    assertThat(assembler.bufferedDocuments()).isEqualTo(1);
    // a late piece of the same trace meanwhile: it queues behind, and never repeats the first chunk's span
    add(subsegment(TRACE, "5ab0000000000001", SEG, "late", T0 + 1.5, T0 + 3), 300);
    tickAt(400);
    assertThat(assembler.levels().chunksAwaitingSink()).isEqualTo(2);

    sink.overloaded = false;
    tickAt(500);
    assertThat(sink.accepted).hasSize(2);
    assertThat(sink.accepted.get(0).spans()).extracting(Span::spanId).containsExactly(Long.parseUnsignedLong(SEG, 16));
    assertThat(sink.span("5ab0000000000001").service()).isEqualTo("api");
    assertThat(assembler.bufferedDocuments()).isZero();
    assertThat(ledger.snapshot().dropped()).isZero();
    assertBooksBalance();
  }

  @Test
  void add_beyondTheCapsWhileOverloaded_dropsTheOldestChunkAndCountsItsSpans() {
    assembler = assembler(settings.caps(100, 3, TestSettings.MIN_MAX_BYTES), clock);
    sink.overloaded = true;
    for (int i = 0; i < 6; i++) {
      add(segment(traceId(i), String.format("5eea00000000000%x", i + 1), "s" + i, T0 + 1, T0 + 2), i * 200L);
      tickAt(i * 200L + 100);
      assertThat(assembler.bufferedDocuments()).isLessThanOrEqualTo(3);
    }
    assertThat(ledger.snapshot().drops()).containsEntry("receive.overloaded", 3L);
    assertThat(documents(DocumentOutcome.DROPPED_OVERLOADED)).isEqualTo(3);

    sink.overloaded = false;
    tickAt(2_000);
    assertThat(sink.accepted).extracting(ConvertedTrace::xrayTraceId).containsExactly(traceId(3), traceId(4), traceId(5));
    assertBooksBalance();
  }

  @Test
  void add_completeDocumentTwice_countedAsDuplicateAndSentOnce() {
    String doc = segment(TRACE, SEG, "api", T0 + 1, T0 + 2);
    add(doc, 0);
    add(doc, 1);
    tickAt(101);
    add(doc, 2_000); // after delivery too
    tickAt(2_100);
    sink.span(SEG);
    assertThat(documents(DocumentOutcome.DUPLICATE)).isEqualTo(2);
    assertThat(ledger.snapshot().documentsRejected()).isEqualTo(2);
    assertBooksBalance();
  }

  @Test
  void tick_contextPastItsTtl_isForgottenAndALatePieceGoesWithout() {
    assembler = assembler(settings.context(ofSeconds(60), 1 << 20), clock);
    add(segment(TRACE, SEG, "api", T0 + 1, T0 + 2), 0);
    tickAt(100);
    assertThat(assembler.levels().contextTraces()).isEqualTo(1);
    tickAt(60_100);
    assertThat(assembler.levels().contextTraces()).isZero();
    assertThat(assembler.levels().contextBytes()).isZero();

    add(subsegment(TRACE, "5ab0000000000001", SEG, "late", T0 + 1.5, T0 + 3), 61_000);
    tickAt(71_000); // no segment known any more: an orphan
    assertThat(sink.span("5ab0000000000001").service()).isEqualTo("late");
    assertBooksBalance();
  }

  @Test
  void add_contextOverItsByteBound_evictsTheLeastRecentlyDeliveredTrace() {
    assembler = assembler(settings.context(ofMinutes(5), 200), clock);
    add(segment(traceId(1), "5eea000000000001", "a", T0 + 1, T0 + 2), 0);
    tickAt(100);
    add(segment(traceId(2), "5eea000000000002", "b", T0 + 1, T0 + 2), 200);
    tickAt(300);
    assertThat(assembler.levels().contextTraces()).isEqualTo(1);
    assertThat(assembler.levels().contextBytes()).isLessThanOrEqualTo(200);
    assertBooksBalance();
  }

  @Test
  void flushForStop_mergeStageStillRefusing_dropsWithTheShutdownReason() {
    sink.overloaded = true;
    add(segment(traceId(1), "5eea000000000001", "a", T0 + 1, T0 + 2), 0);
    add(subsegment(traceId(1), "5ab0000000000001", "5eea000000000001", "b", T0 + 1, T0 + 2), 0);
    add(inProgressSegment(traceId(2), "5eea000000000002", "c", T0 + 1), 0);
    assembler.flushForStop(MS);
    assertThat(assembler.retryAwaiting()).isFalse();
    assembler.dropAwaiting();

    assertThat(ledger.snapshot().drops()).containsEntry("receive.shutdown", 2L);
    assertThat(documents(DocumentOutcome.DROPPED_SHUTDOWN)).isEqualTo(3);
    assertThat(assembler.bufferedDocuments()).isZero();
    assertThat(flushes(FlushReason.STOP)).isEqualTo(2);
    assertBooksBalance();
  }

  /**
   * Random traces (a segment, independent subsegments, in-progress versions, duplicates) arrive in a
   * random order and at random times, with the merge stage refusing now and then and small caps:
   * the caps always hold, no span is delivered twice, every document is accounted for, and nothing is
   * left once time has passed.
   */
  @Test
  void add_randomArrivals_capsHoldNothingTwiceEverythingAccountedFor() {
    Cases.forAll(20_240_610L, Cases.tries(200), Scenario::generate, this::run);
  }

  /**
   * With a healthy merge stage and room enough, every document id sent yields exactly one span,
   * whatever the order and timing of its versions.
   */
  @Test
  void add_randomArrivalsHealthyAndRoomy_everyIdDeliveredExactlyOnce() {
    Cases.forAll(20_240_611L, Cases.tries(200), r -> Scenario.generate(r).roomy(), this::run);
  }

  private void run(Scenario s) {
    sink.overloaded = false;
    PendingTraces a = assembler(settings.caps(s.maxTraces, s.maxDocuments, TestSettings.MIN_MAX_BYTES), clock);
    assembler = a;
    long before = totalOutcomes();
    int addedBefore = added;
    int spansBefore = sink.spanCount();
    long droppedBefore = documents(DocumentOutcome.DROPPED_OVERLOADED) + documents(DocumentOutcome.DROPPED_IN_PROGRESS);
    Set<Long> ids = new HashSet<>();
    for (Scenario.Event e : s.events) {
      if (e.overload != null) sink.overloaded = e.overload;
      for (long t = now / MS + 50; t < e.atMs; t += 50) tickAt(t);
      add(e.json, e.atMs);
      ids.add(Long.parseUnsignedLong(e.id, 16));
      assertThat(a.bufferedDocuments()).isLessThanOrEqualTo(s.maxDocuments);
      assertThat(a.bufferedTraces()).isLessThanOrEqualTo(s.maxTraces);
      assertThat(a.bufferedBytes()).isLessThanOrEqualTo(TestSettings.MIN_MAX_BYTES);
    }
    sink.overloaded = false;
    long end = now / MS;
    for (long t : new long[] {end + 2_000, end + 15_000, end + 601_000, end + 1_300_000}) tickAt(t);

    assertThat(a.bufferedDocuments()).isZero();
    assertThat(added - addedBefore).isEqualTo(totalOutcomes() - before);
    List<Span> spans = sink.spans().subList(spansBefore, sink.spanCount());
    Set<Long> seen = new HashSet<>();
    for (Span sp : spans) {
      assertThat(seen.add(sp.spanId())).as("span %x delivered once", sp.spanId()).isTrue();
      assertThat(ids).contains(sp.spanId());
    }
    long dropped = documents(DocumentOutcome.DROPPED_OVERLOADED) + documents(DocumentOutcome.DROPPED_IN_PROGRESS) - droppedBefore;
    assertThat(spans.size() + dropped).isGreaterThanOrEqualTo(ids.size());
    if (s.roomy) assertThat(spans).hasSize(ids.size());
    // the next case starts afresh in time
    now = 0;
    clock.set(EPOCH);
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private PendingTraces assembler(TestSettings s, Clock converterClock) {
    settings = s;
    return new PendingTraces(s.get(), new SegmentConverter(ConvertOptions.DEFAULTS, ledger, converterClock), sink, ledger, metrics);
  }

  private long documents(DocumentOutcome outcome) {
    return metrics.totals().documents().getOrDefault(outcome.tag(), 0L);
  }

  private long flushes(FlushReason reason) {
    return metrics.totals().flushes().getOrDefault(reason.tag(), 0L);
  }

  private void add(String json, long atMs) {
    add(Datagrams.document(json), atMs);
  }

  private void add(DaemonDocument doc, long atMs) {
    moveTo(atMs);
    assembler.add(doc, now);
    added++;
  }

  private void tickAt(long atMs) {
    moveTo(atMs);
    assembler.tick(now);
  }

  private void moveTo(long atMs) {
    now = atMs * MS;
    clock.set(EPOCH.plusMillis(atMs));
  }

  private static DaemonDocument decode(byte[] datagram) {
    return ((DatagramDecoder.Decoded) new DatagramDecoder().decode(datagram, datagram.length)).document();
  }

  private long totalOutcomes() {
    long sum = 0;
    for (DocumentOutcome o : DocumentOutcome.values()) sum += documents(o);
    return sum;
  }

  /** Every document taken is in exactly one outcome or still buffered. */
  private void assertBooksBalance() {
    assertThat(totalOutcomes() + assembler.bufferedDocuments()).isEqualTo(added);
  }

  /** A generated arrival sequence. */
  private static final class Scenario {
    record Event(long atMs, String id, String json, Boolean overload) {}

    final List<Event> events = new ArrayList<>();
    int maxTraces;
    int maxDocuments;
    boolean roomy;

    static Scenario generate(SplittableRandom r) {
      Scenario s = new Scenario();
      s.maxTraces = 1 + r.nextInt(4);
      s.maxDocuments = 2 + r.nextInt(8);
      List<String[]> pieces = new ArrayList<>(); // {id, json}
      int traces = 1 + r.nextInt(5);
      for (int t = 0; t < traces; t++) {
        String trace = String.format("1-6b0bb367-%024x", r.nextLong() >>> 8);
        String seg = String.format("%016x", r.nextLong() | 1L << 62);
        double start = T0 + r.nextInt(5);
        if (r.nextInt(3) == 0) pieces.add(new String[] {seg, inProgressSegment(trace, seg, "svc-" + t, start)});
        if (r.nextInt(5) > 0) {
          pieces.add(new String[] {seg, segment(trace, seg, "svc-" + t, start, start + 2)});
          if (r.nextInt(6) == 0) pieces.add(new String[] {seg, segment(trace, seg, "svc-" + t, start, start + 2)});
        }
        int subs = r.nextInt(4);
        for (int i = 0; i < subs; i++) {
          String sub = String.format("%016x", r.nextLong() | 1L << 61);
          if (r.nextInt(6) == 0) pieces.add(new String[] {sub, inProgressSub(trace, sub, seg, start + 0.1)});
          pieces.add(new String[] {sub, subsegment(trace, sub, seg, "sub", start + 0.1, start + 0.5)});
        }
      }
      for (int i = pieces.size() - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        String[] x = pieces.get(i);
        pieces.set(i, pieces.get(j));
        pieces.set(j, x);
      }
      long at = 0;
      for (String[] p : pieces) {
        at += switch (r.nextInt(5)) {
          case 0 -> 0;
          case 1 -> 2_000 + r.nextInt(10_000);
          default -> r.nextInt(150);
        };
        Boolean overload = r.nextInt(5) == 0 ? r.nextBoolean() : null;
        s.events.add(new Event(at, p[0], p[1], overload));
      }
      return s;
    }

    Scenario roomy() {
      maxTraces = 1_000;
      maxDocuments = 10_000;
      roomy = true;
      events.replaceAll(e -> new Event(e.atMs, e.id, e.json, null));
      return this;
    }

    private static String inProgressSub(String trace, String id, String parent, double start) {
      return "{\"name\":\"sub\",\"id\":\"" + id + "\",\"start_time\":" + start + ",\"in_progress\":true,"
          + "\"type\":\"subsegment\",\"parent_id\":\"" + parent + "\",\"trace_id\":\"" + trace + "\"}";
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder("caps traces=" + maxTraces + " docs=" + maxDocuments);
      for (Event e : events) b.append("\n  @").append(e.atMs).append(e.overload == null ? "" : " overload=" + e.overload).append(' ').append(e.json);
      return b.toString();
    }
  }
}
