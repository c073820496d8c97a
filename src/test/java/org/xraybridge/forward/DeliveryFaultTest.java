package org.xraybridge.forward;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.MapValue;
import org.xraybridge.forward.ForwardMetrics.PayloadOutcome;
import org.xraybridge.forward.delivery.SpoolFiles;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.ops.MicrometerForwardMetrics;
import org.xraybridge.testing.TestLedger;

/**
 * Real faults on a real local peer: 5xx outages, rejections, refused connections, a full spool, a
 * killed process, shutdown. Every assertion is about span ids: which were delivered (decoded from
 * the accepted request bodies), how often, and which were counted as dropped and why.
 */
class DeliveryFaultTest {
  @TempDir Path spoolDir;
  @TempDir Path afterKill;
  private FakeHop hop;
  private final List<Forwarder> forwarders = new ArrayList<>();
  private final TestLedger ledger = new TestLedger();
  private final MicrometerForwardMetrics metrics = new MicrometerForwardMetrics(new SimpleMeterRegistry());

  @AfterEach
  void tearDown() {
    for (Forwarder f : forwarders) f.stop(Duration.ofMillis(500));
    if (hop != null) hop.close();
  }

  /** Short timings: a 300 ms retry budget, a circuit that opens after a few failures. */
  private TestSettings fast() {
    return fast(spoolDir);
  }

  private TestSettings fast(Path spool) {
    return TestSettings.agent(hop.url(), spool)
        .senderThreads(2)
        .connectTimeout(Duration.ofMillis(200))
        .requestTimeout(Duration.ofSeconds(2))
        .retry(5, Duration.ofMillis(10), Duration.ofMillis(50))
        .retryBudget(Duration.ofMillis(300))
        .circuit(50, 6, 4, Duration.ofMillis(200), 1);
  }

  private Forwarder start(TestSettings settings, TestLedger l) {
    Forwarder f = new Forwarder(settings.build(), l, metrics, Clock.systemUTC());
    forwarders.add(f);
    f.start();
    return f;
  }

  /** Batch {@code i}: three chunks of 4 spans, span ids {@code i*1000 …}. One payload after flush(). */
  private static ChunkBatch batch(int i) {
    List<TraceChunk> chunks = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      chunks.add(TestTraces.simple(i * 100L + c, i * 1000L + c * 10L, 4, TestTraces.JAVA, Priority.AUTO_KEEP));
    }
    return ChunkBatch.of(chunks);
  }

  private static List<Long> ids(List<ChunkBatch> batches) {
    List<Long> ids = new ArrayList<>();
    for (ChunkBatch b : batches) ids.addAll(TestTraces.spanIds(b));
    return ids;
  }

  /** Span ids in the bodies of the requests the hop accepted, in arrival order (duplicates kept). */
  private List<Long> delivered() throws IOException {
    return spanIdsIn(hop.accepted("/v0.4/traces"));
  }

  private static List<Long> spanIdsIn(List<FakeHop.Request> requests) throws IOException {
    List<Long> ids = new ArrayList<>();
    for (FakeHop.Request r : requests) {
      for (List<MapValue> t : V04Wire.decode(r.body())) {
        for (MapValue s : t) ids.add(V04Wire.uint64(V04Wire.fields(s).get("span_id")));
      }
    }
    return ids;
  }

  /** Span ids in the spool's files, oldest file first. */
  private List<Long> spooledIds() throws IOException {
    return SpoolFiles.spanIds(spoolDir);
  }

  /** A copy of every file in the spool directory as it is now, as a process killed at this moment leaves it. */
  private static void copyDirectory(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void submitEach(Forwarder f, List<ChunkBatch> batches) {
    for (ChunkBatch b : batches) {
      f.submit(b);
      f.flush();
    }
  }

  @Test
  void hopAnswers500LongerThanTheBudgetThenRecovers_everySpanDeliveredExactlyOnce() throws IOException {
    hop = FakeHop.start();
    AtomicBoolean failing = new AtomicBoolean(true);
    hop.answer(r -> failing.get() ? new FakeHop.Answer(500, "internal error") : FakeHop.Answer.ok());
    Forwarder f = start(fast(), ledger);
    List<ChunkBatch> batches = new ArrayList<>();
    for (int i = 1; i <= 10; i++) batches.add(batch(i));
    submitEach(f, batches);

    // the outage outlasts the retry budget: the circuit opens and payloads wait in the spool
    await().atMost(Duration.ofSeconds(10)).until(() -> f.status().circuitState().equals("OPEN") && f.status().spoolPayloads() > 0);
    assertThat(f.status().lastFailure()).startsWith("HTTP 500");
    assertThat(f.inFlightSpans()).isEqualTo(ids(batches).size());
    assertThat(ledger.dropped()).isZero();

    failing.set(false);
    await().atMost(Duration.ofSeconds(15)).until(() -> ledger.forwarded() == ids(batches).size());
    List<Long> got = delivered();
    assertThat(got).as("each span once").doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(batches));
    assertThat(hop.requestCount()).as("the 500s were retried").isGreaterThan(hop.accepted("/v0.4/traces").size());
    assertThat(ledger.dropped()).isZero();
    assertThat(f.inFlightSpans()).isZero();
    assertThat(f.status().spoolPayloads()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> f.status().circuitState().equals("CLOSED"));
  }

  @Test
  void hopAnswers400_droppedOnceCountedRejectedAndTheReasonLogged() throws IOException {
    hop = FakeHop.start();
    hop.answer(r -> new FakeHop.Answer(400, "{\"error\":\"decoding error: span_id is zero\"}"));
    try (LogCapture logs = new LogCapture(Level.INFO)) {
      Forwarder f = start(fast(), ledger);
      List<ChunkBatch> batches = List.of(batch(1), batch(2));
      submitEach(f, batches);
      await().atMost(Duration.ofSeconds(5)).until(() -> ledger.dropped(Ledger.Reason.REJECTED) == 24);
      assertThat(hop.requestCount()).as("a 400 is not retried").isEqualTo(2);
      assertThat(spanIdsIn(hop.requests)).as("rejected spans are exactly the ones sent")
          .containsExactlyInAnyOrderElementsOf(ids(batches));
      assertThat(ledger.forwarded()).isZero();
      assertThat(f.inFlightSpans()).isZero();
      assertThat(f.status().spoolPayloads()).as("a rejected payload is not spooled").isZero();
      assertThat(logs.warnings()).anySatisfy(line -> assertThat(line)
          .contains("HTTP 400").contains("span_id is zero").contains("counted as rejected"));
      assertThat(logs.warnings().stream().filter(l -> l.contains("HTTP 400")).count())
          .as("rate-limited: one line for both payloads").isEqualTo(1);
      assertThat(metrics.payloads(PayloadOutcome.REJECTED)).isEqualTo(2);
      assertThat(f.status().circuitState()).as("a 4xx means the hop is up").isEqualTo("CLOSED");
    }
  }

  @Test
  void hopAnswers429ThenAccepts_retriedAndDelivered() throws IOException {
    hop = FakeHop.start();
    AtomicInteger calls = new AtomicInteger();
    hop.answer(r -> calls.incrementAndGet() <= 2 ? new FakeHop.Answer(429, "too many") : FakeHop.Answer.ok());
    Forwarder f = start(fast().senderThreads(1), ledger);
    submitEach(f, List.of(batch(1)));
    await().atMost(Duration.ofSeconds(5)).until(() -> ledger.forwarded() == 12);
    assertThat(hop.requestCount()).isEqualTo(3);
    assertThat(delivered()).containsExactlyInAnyOrderElementsOf(ids(List.of(batch(1))));
  }

  @Test
  void hopRefusesConnectionsLongerThanTheBudget_spooledThenDeliveredOldestFirstAfterRecovery() throws IOException {
    hop = FakeHop.reserved();
    Forwarder f = start(fast(), ledger);
    List<ChunkBatch> batches = List.of(batch(1), batch(2), batch(3));
    for (ChunkBatch b : batches) {
      f.submit(b);
      f.flush();
      int expected = batches.indexOf(b) + 1;
      await().atMost(Duration.ofSeconds(5)).until(() -> f.status().spoolPayloads() == expected);
    }
    assertThat(spooledIds()).as("the spool holds exactly the undelivered spans, in order").isEqualTo(ids(batches));
    assertThat(f.status().spoolSpans()).isEqualTo(36);
    assertThat(f.inFlightSpans()).isEqualTo(36);
    assertThat(f.status().lastFailure()).contains("ConnectException");

    hop.up();
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.forwarded() == 36);
    assertThat(delivered()).as("drained oldest first, each span once").isEqualTo(ids(batches));
    assertThat(f.status().spoolPayloads()).isZero();
    assertThat(f.inFlightSpans()).isZero();
    assertThat(ledger.dropped()).isZero();
  }

  @Test
  void spoolFull_oldestPayloadsDeletedAndCountedTheNewestDelivered() throws IOException {
    hop = FakeHop.reserved();
    // each payload carries ~10 KB of meta: the spool holds two of them. The circuit, once open, stays
    // open through the four submissions, so no drain attempt claims a spooled payload meanwhile (a payload
    // being sent is never the one deleted, which would make "oldest" depend on timing)
    Forwarder f = start(fast().spoolMaxBytes(25_000).circuitOpenWait(Duration.ofSeconds(3)), ledger);
    List<ChunkBatch> batches = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      Span s = Span.builder().traceId(i).spanId(i * 1000L).service("svc").name("op").resource("r")
          .startNanos(TestTraces.T0).durationNanos(1).putMeta("blob", "x".repeat(10_000)).build();
      Span child = s.toBuilder().spanId(i * 1000L + 1).parentId(i * 1000L).meta(java.util.Map.of()).build();
      batches.add(ChunkBatch.of(List.of(new TraceChunk(i, List.of(s, child), 1, "", "", Half.NATIVE, TestTraces.JAVA))));
    }
    for (int i = 0; i < 4; i++) {
      f.submit(batches.get(i));
      f.flush();
      int done = i + 1;
      await().atMost(Duration.ofSeconds(5)).until(() -> f.status().spoolPayloads() + ledger.dropped(Ledger.Reason.SPOOL_FULL) / 2 == done);
    }
    assertThat(ledger.dropped(Ledger.Reason.SPOOL_FULL)).as("two oldest payloads, two spans each").isEqualTo(4);
    assertThat(spooledIds()).containsExactly(3000L, 3001L, 4000L, 4001L);
    assertThat(f.inFlightSpans()).isEqualTo(4);

    hop.up();
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.forwarded() == 4);
    assertThat(delivered()).containsExactly(3000L, 3001L, 4000L, 4001L);
    assertThat(f.inFlightSpans()).isZero();
  }

  @Test
  void processKilledWithPayloadsInTheSpool_aNewForwarderRecoversAndDeliversThem() throws Exception {
    hop = FakeHop.reserved();
    Forwarder first = start(fast(), ledger);
    List<ChunkBatch> batches = List.of(batch(1), batch(2), batch(3));
    submitEach(first, batches);
    await().atMost(Duration.ofSeconds(5)).until(() -> first.status().spoolPayloads() == 3);
    List<Long> spooled = spooledIds();
    assertThat(spooled).containsExactlyInAnyOrderElementsOf(ids(batches));
    // kill -9 now: the next process finds the directory as it is at this moment, nothing flushed,
    // a write cut short; the lock died with the process
    copyDirectory(spoolDir, afterKill);
    Files.writeString(afterKill.resolve("00000000000000000099.spool.tmp"), "half-written by the dead process");

    TestLedger second = new TestLedger();
    Forwarder next = start(fast(afterKill), second);
    first.stop(Duration.ofMillis(500)); // the "dead" one must deliver nothing: gone before the hop is up
    forwarders.remove(first);
    assertThat(second.recovered()).isEqualTo(36);
    hop.up();
    await().atMost(Duration.ofSeconds(10)).until(() -> second.forwarded() == 36);
    assertThat(delivered()).as("in spool order, each span once").isEqualTo(spooled);
    assertThat(next.inFlightSpans()).isZero();
    assertThat(Files.exists(afterKill.resolve("00000000000000000099.spool.tmp"))).isFalse();
  }

  @Test
  void stop_withTheHopUp_flushesOpenPayloadsAndDeliversEverything() throws IOException {
    hop = FakeHop.start();
    Forwarder f = start(fast().flushInterval(Duration.ofHours(1)), ledger);
    List<ChunkBatch> batches = List.of(batch(1), batch(2));
    for (ChunkBatch b : batches) f.submit(b); // no flush: only stop() sends them
    f.stop(Duration.ofSeconds(5));
    assertThat(delivered()).containsExactlyInAnyOrderElementsOf(ids(batches));
    assertThat(ledger.forwarded()).isEqualTo(24);
    assertThat(f.inFlightSpans()).isZero();
    assertThat(f.status().state()).isEqualTo("STOPPED");
  }

  @Test
  void stop_withTheHopDown_spoolsTheQueueWithinTheBound() throws IOException {
    hop = FakeHop.reserved();
    Forwarder f = start(fast().retryBudget(Duration.ofSeconds(30)).flushInterval(Duration.ofHours(1)), ledger);
    List<ChunkBatch> batches = List.of(batch(1), batch(2), batch(3));
    submitEach(f, batches);
    long t0 = System.nanoTime();
    f.stop(Duration.ofMillis(600));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(tookMs).as("stop is bounded").isLessThan(600 + 700);
    assertThat(ledger.dropped()).isZero();
    assertThat(f.inFlightSpans()).as("still held, by the spool").isEqualTo(36);
    assertThat(spooledIds()).containsExactlyInAnyOrderElementsOf(ids(batches));
  }

  /**
   * The payloads the senders hold when a stop halts them (their requests hang) are spooled like the
   * queued ones: the halt interrupts the senders, and a file channel written on an interrupted thread
   * closes itself — the write must not inherit that interrupt, or those payloads are dropped as shutdown.
   */
  /** A hop that accepts the connection and never answers in time. */
  private FakeHop hanging() {
    FakeHop h = startQuietly();
    h.answer(r -> {
      try {
        Thread.sleep(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return FakeHop.Answer.ok();
    });
    return h;
  }

  @Test
  void stop_whileTheHopHangs_spoolsWhatTheSendersHeldToo() throws IOException {
    hop = hanging();
    Forwarder f = start(fast().retryBudget(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(20)), ledger);
    List<ChunkBatch> batches = List.of(batch(1), batch(2), batch(3));
    submitEach(f, batches);
    await().atMost(Duration.ofSeconds(5)).until(() -> f.status().sendersBusy() == 2);

    f.stop(Duration.ofMillis(400));

    assertThat(ledger.dropped()).as("nothing dropped: the spool had room").isZero();
    assertThat(spooledIds()).containsExactlyInAnyOrderElementsOf(ids(batches));
  }

  @Test
  void stop_whileTheHopHangsAndNoSpool_countsWhatItCouldNeitherSendNorKeepAsShutdown() {
    hop = hanging();
    Forwarder f = start(fast().spoolMaxBytes(0).retryBudget(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(20)),
        ledger);
    submitEach(f, List.of(batch(1), batch(2), batch(3)));
    await().atMost(Duration.ofSeconds(5)).until(() -> f.status().sendersBusy() == 2);
    long t0 = System.nanoTime();
    f.stop(Duration.ofMillis(400));
    assertThat((System.nanoTime() - t0) / 1_000_000).as("stop is bounded").isLessThan(400 + 700);
    assertThat(ledger.dropped(Ledger.Reason.SHUTDOWN)).isEqualTo(36);
    assertThat(ledger.dropped()).isEqualTo(36);
    assertThat(f.inFlightSpans()).isZero();
  }

  @Test
  void retriesExhaustedAndNoSpool_countedSpoolFull() {
    hop = reservedQuietly();
    Forwarder f = start(fast().spoolMaxBytes(0), ledger);
    submitEach(f, List.of(batch(1), batch(2)));
    await().atMost(Duration.ofSeconds(5)).until(() -> ledger.dropped(Ledger.Reason.SPOOL_FULL) == 24);
    assertThat(f.inFlightSpans()).isZero();
  }

  @Test
  void circuitOpen_payloadsGoToTheSpoolWithoutAnAttempt() {
    hop = startQuietly();
    hop.answer(r -> new FakeHop.Answer(503, "unavailable"));
    Forwarder f = start(fast().circuitOpenWait(Duration.ofSeconds(30)), ledger);
    submitEach(f, List.of(batch(1), batch(2)));
    await().atMost(Duration.ofSeconds(5)).until(() -> f.status().circuitState().equals("OPEN"));
    await().atMost(Duration.ofSeconds(5)).until(() -> f.status().sendersBusy() == 0 && f.status().spoolPayloads() == 2);
    int attempts = hop.requestCount();
    submitEach(f, List.of(batch(3), batch(4), batch(5)));
    await().atMost(Duration.ofSeconds(5)).until(() -> f.status().spoolPayloads() == 5);
    assertThat(hop.requestCount()).as("no request while open").isEqualTo(attempts);
    ForwarderStatus s = f.status();
    assertThat(s.circuitState()).isEqualTo("OPEN");
    assertThat(s.failureRatePercent()).isGreaterThanOrEqualTo(50f);
    assertThat(s.lastFailure()).startsWith("HTTP 503");
    assertThat(s.spoolPayloads()).isEqualTo(5);
    assertThat(s.inFlightSpans()).isEqualTo(60);
  }

  @Test
  void randomAnswersForAWhile_everySpanDeliveredOnceOrCountedRejected() throws IOException {
    hop = FakeHop.start();
    SplittableRandom r = new SplittableRandom(77);
    int[] statuses = {200, 200, 200, 500, 503, 408, 429, 400, 413};
    AtomicBoolean chaos = new AtomicBoolean(true);
    hop.answer(req -> {
      if (!chaos.get()) return FakeHop.Answer.ok();
      int s;
      synchronized (r) {
        s = statuses[r.nextInt(statuses.length)];
      }
      return new FakeHop.Answer(s, s == 200 ? "{}" : "status " + s);
    });
    Forwarder f = start(fast(), ledger);
    List<ChunkBatch> batches = new ArrayList<>();
    for (int i = 1; i <= 20; i++) batches.add(batch(i));
    submitEach(f, batches);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.status().queuedPayloads() == 0 && f.status().sendersBusy() == 0);
    chaos.set(false);
    await().atMost(Duration.ofSeconds(15)).until(() -> f.inFlightSpans() == 0);

    List<Long> ok = delivered();
    List<Long> rejected = new ArrayList<>();
    for (FakeHop.Request req : hop.requests) {
      if (req.status() == 400 || req.status() == 413) rejected.addAll(spanIdsIn(List.of(req)));
    }
    assertThat(ok).as("delivered at most once").doesNotHaveDuplicates();
    Set<Long> accounted = new LinkedHashSet<>(ok);
    for (Long id : rejected) assertThat(accounted.add(id)).as("span %d delivered and rejected", id).isTrue();
    assertThat(accounted).containsExactlyInAnyOrderElementsOf(ids(batches));
    assertThat(ledger.forwarded()).isEqualTo(ok.size());
    assertThat(ledger.dropped(Ledger.Reason.REJECTED)).isEqualTo(rejected.size());
    assertThat(ledger.forwarded() + ledger.dropped()).isEqualTo(240);
  }

  private static FakeHop reservedQuietly() {
    try {
      return FakeHop.reserved();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FakeHop startQuietly() {
    try {
      return FakeHop.start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
