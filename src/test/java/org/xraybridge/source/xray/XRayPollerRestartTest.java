package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.source.poll.CheckpointException;
import org.xraybridge.source.poll.FileCheckpointStore;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.testing.Cases;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.XRayHarness;
import org.xraybridge.testing.XRaySegments;
import reactor.core.Disposable;

/** Stop, kill and restart in the middle of a window; the checkpoint file's failure modes. */
class XRayPollerRestartTest {

  @TempDir Path dir;
  XRayHarness h;
  XRaySegments traces = new XRaySegments(99);

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
    h.batchConcurrency = 1;
    h.checkpointInterval = Duration.ofMillis(1);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void stopInTheMiddleOfAWindow_restart_deliversEverySpanExactlyOnceAcrossBothRuns() {
    List<Long> expected = putTraces(60);
    h.clock.advance(Duration.ofSeconds(5));
    h.faults.delayTraces(Duration.ofMillis(100));
    RecordingSink first = new RecordingSink();
    XRayPoller run1 = h.poller(first, h.converter(), new SimpleMeterRegistry());

    Disposable inFlight = run1.poll().subscribe();
    await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(20)).until(() -> first.accepted.size() >= 15);
    run1.stop();
    int deliveredByRun1 = first.accepted.size();
    h.faults.delayTraces(Duration.ZERO);
    h.emulator.clearRequests();
    RecordingSink second = new RecordingSink();
    XRayPoller run2 = h.poller(second, h.converter(), new SimpleMeterRegistry());
    h.clock.advance(Duration.ofSeconds(2));
    PollOutcome outcome = h.poll(run2);
    inFlight.dispose();

    assertThat(deliveredByRun1).isBetween(15, 59);
    assertThat(outcome).isEqualTo(PollOutcome.COMPLETED);
    List<Long> all = new ArrayList<>(first.spanIds());
    all.addAll(second.spanIds());
    assertThat(all).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    // what run 1 handed on was checkpointed with its revision: run 2 does not even fetch it again
    Set<String> asked = new HashSet<>();
    h.emulator.requests(RecordedRequest.BATCH_GET_TRACES).forEach(r -> asked.addAll(r.traceIds()));
    assertThat(asked).hasSize(60 - deliveredByRun1);
    assertThat(first.spanCount() + second.spanCount()).isEqualTo(120);
  }

  @Test
  void killInTheMiddleOfAWindow_restart_losesNothingAndResendsAtMostTheLastBatch() throws Exception {
    List<Long> expected = putTraces(40);
    h.clock.advance(Duration.ofSeconds(5));
    h.faults.delayTraces(Duration.ofMillis(100));
    RecordingSink first = new RecordingSink();
    XRayPoller run1 = h.poller(first, h.converter(), new SimpleMeterRegistry());

    Disposable inFlight = run1.poll().subscribe();
    await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(20)).until(() -> first.accepted.size() >= 12);
    // kill -9 now: the next run finds the checkpoint file as it is at this moment
    Path survivor = dir.resolve("after-kill/xray-checkpoint.json");
    Files.createDirectories(survivor.getParent());
    Files.copy(h.checkpointFile, survivor);
    List<Long> handedOnBeforeKill = first.spanIds();
    run1.stop();
    inFlight.dispose();
    h.faults.delayTraces(Duration.ZERO);
    h.checkpointFile = survivor;
    RecordingSink second = new RecordingSink();
    XRayPoller run2 = h.poller(second, h.converter(), new SimpleMeterRegistry());
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(run2);

    Set<Long> union = new HashSet<>(handedOnBeforeKill);
    union.addAll(second.spanIds());
    assertThat(union).containsExactlyInAnyOrderElementsOf(expected);
    int resent = handedOnBeforeKill.size() + second.spanIds().size() - expected.size();
    // checkpointed after every BatchGetTraces answer: at most one answer (5 traces × 2 spans) again
    assertThat(resent).isBetween(0, 10);
  }

  /**
   * The bridge was down for a minute, or longer than the delivered set's ttl (10 min in the harness):
   * the first window re-reads the overlap from the checkpointed cursor, and what was delivered there
   * is still known — the set's clock is the cursor, which did not move while the bridge was down — so
   * nothing is sent twice.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 15})
  void restart_afterACompletedWindow_resumesFromTheCheckpointedCursor_andSendsNothingTwice(int minutesDown) {
    putTraces(3);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller run1 = h.poller(new RecordingSink(), h.converter(), new SimpleMeterRegistry());
    h.poll(run1);
    Instant cursor = run1.status().cursor();
    run1.stop();
    h.clock.advance(Duration.ofMinutes(minutesDown));
    h.emulator.clearRequests();

    RecordingSink second = new RecordingSink();
    XRayPoller run2 = h.poller(second, h.converter(), new SimpleMeterRegistry());
    h.poll(run2);

    assertThat(h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES).get(0).startTime()).as("the overlap is read again")
        .isEqualByComparingTo(java.math.BigDecimal.valueOf(cursor.minus(h.overlap).toEpochMilli(), 3));
    assertThat(second.accepted).isEmpty();
  }

  @Test
  void noCheckpoint_start_writesOneAtOnce() {
    XRayPoller poller = h.poller(new RecordingSink(), h.converter(), new SimpleMeterRegistry());

    assertThat(h.checkpointFile).exists();
    assertThat(poller.status().lastCheckpoint()).isEqualTo(XRayHarness.T0);
    assertThat(h.checkpoints().load().orElseThrow().cursor()).isEqualTo(poller.status().cursor());
  }

  @Test
  void corruptCheckpoint_start_failsWithAClearErrorAndLeavesTheFileAlone() throws Exception {
    Path file = h.checkpointFile;
    Files.createDirectories(file.getParent());
    Files.writeString(file, "{\"format\": \"xray-datadog-bridge/xray-checkpoint\", \"version\": 1, \"cursor\": \"yesterday\"");
    XRayPoller poller = newPoller();

    assertThatThrownBy(poller::start)
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("Corrupt X-Ray checkpoint file " + file.toAbsolutePath().normalize())
        .hasMessageContaining("does not reset the poll cursor")
        .hasMessageContaining("bridge.xray.checkpoint-file");
    assertThat(Files.readString(file)).endsWith("\"yesterday\"");
    assertThat(poller.status().state()).isEqualTo(XRaySourceStatus.State.NEW);
  }

  @Test
  void checkpointWithWrongFields_load_namesTheProblem() throws Exception {
    Path file = h.checkpointFile;
    Files.createDirectories(file.getParent());
    FileCheckpointStore<XRayCheckpoint> store = h.checkpoints();

    Files.writeString(file, "{\"format\": \"xray-datadog-bridge/xray-checkpoint\", \"version\": 3}");
    assertThatThrownBy(store::load).isInstanceOf(CheckpointException.class).hasMessageContaining("version is 3, expected 1 or 2");
    Files.writeString(file, "{\"format\": \"xray-datadog-bridge/xray-checkpoint\", \"version\": 2, \"cursor\": \"2026-11-29T06:00:00Z\","
        + " \"written_at\": \"2026-11-29T06:00:00Z\", \"traces\": []}");
    assertThatThrownBy(store::load).isInstanceOf(CheckpointException.class).hasMessageContaining("'source' is missing");
    Files.writeString(file, "{\"format\": \"xray-datadog-bridge/xray-checkpoint\", \"version\": 1, \"cursor\": \"not-a-time\","
        + " \"written_at\": \"2026-11-29T06:00:00Z\", \"traces\": []}");
    assertThatThrownBy(store::load).isInstanceOf(CheckpointException.class).hasMessageContaining("'cursor' is not an ISO-8601 instant");
    Files.writeString(file, "");
    assertThatThrownBy(store::load).isInstanceOf(CheckpointException.class).hasMessageContaining("the file is empty");
    Files.writeString(file, "[1, 2]");
    assertThatThrownBy(store::load).isInstanceOf(CheckpointException.class).hasMessageContaining("expected a JSON object");
  }

  @Test
  void truncatedCheckpoint_load_isAlwaysAClearErrorNeverAGuess() throws Exception {
    putTraces(8);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = h.poller(new RecordingSink(), h.converter(), new SimpleMeterRegistry());
    h.poll(poller);
    poller.stop();
    byte[] valid = Files.readAllBytes(h.checkpointFile);
    Path cut = dir.resolve("cut/xray-checkpoint.json");
    Files.createDirectories(cut.getParent());
    FileCheckpointStore<XRayCheckpoint> truncated = new FileCheckpointStore<>(cut, "bridge.xray.checkpoint-file", new XRayCheckpointFormat());

    Cases.forAll(
        20261129L,
        Math.max(50, Cases.tries(2000) / 10), // 200 by default, more under -Pfuzz-long
        r -> r.nextInt(0, valid.length),
        length -> {
          write(cut, java.util.Arrays.copyOf(valid, length));
          assertThatThrownBy(truncated::load)
              .isInstanceOf(CheckpointException.class)
              .hasMessageContaining("Corrupt X-Ray checkpoint file");
        });
    assertThat(h.checkpoints().load().orElseThrow().traces()).hasSize(8);
  }

  @Test
  void unwritableCheckpointLocation_start_failsWithAClearError() throws Exception {
    Path notADirectory = dir.resolve("plain-file");
    Files.writeString(notADirectory, "x");
    h.checkpointFile = notADirectory.resolve("xray-checkpoint.json");
    XRayPoller poller = newPoller();

    assertThatThrownBy(poller::start)
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("Unwritable X-Ray checkpoint file")
        .hasMessageContaining("bridge.xray.checkpoint-file");
  }

  @Test
  void checkpointBecomesUnwritableWhileRunning_pollingGoesOnAndStatusSaysWhy() throws Exception {
    putTraces(2);
    h.clock.advance(Duration.ofSeconds(5));
    RecordingSink sink = new RecordingSink();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    XRayPoller poller = h.poller(sink, h.converter(), registry);
    Path data = h.checkpointFile.getParent();
    Files.delete(h.checkpointFile);
    Files.delete(data);
    Files.writeString(data, "now a file"); // the checkpoint's directory is gone

    PollOutcome outcome = h.poll(poller);

    assertThat(outcome).isEqualTo(PollOutcome.COMPLETED);
    assertThat(sink.accepted).hasSize(2);
    assertThat(poller.status().checkpointError()).contains("Unwritable X-Ray checkpoint file");
    assertThat(registry.get("bridge.xray.checkpoint.writes").tag("outcome", "failed").counter().count()).isGreaterThanOrEqualTo(1);
    Files.delete(data);
  }

  @Test
  void checkpoint_roundTrip_keepsEveryField() {
    FileCheckpointStore<XRayCheckpoint> store =
        new FileCheckpointStore<>(dir.resolve("cp.json"), "bridge.xray.checkpoint-file", new XRayCheckpointFormat());
    XRayCheckpoint.TraceEntry entry =
        new XRayCheckpoint.TraceEntry(
            "1-6b0bb2f8-00000000780c0c87013a95e4",
            3,
            java.util.Map.of("2d5a03ff0ff00ee8", -7L, "94ae789b969f1cc5", Long.MAX_VALUE),
            new long[] {-1L, 5L, Long.MIN_VALUE},
            Set.of("53995c3f42cd8ad8"),
            XRayHarness.T0,
            XRayHarness.T0.plusSeconds(1));

    XRayCheckpoint.HeldEvent held = new XRayCheckpoint.HeldEvent("0000000001764000000000000000000000042",
        "1-6b0bb2f8-00000000780c0c87013a95e4", "53995c3f42cd8ad8", "{\"traceId\":\"…\",\n\"name\":\"é\"}", XRayHarness.T0);
    store.save(new XRayCheckpoint("payments-eu", SourcePath.LOGS, XRayHarness.T0.plusMillis(123), XRayHarness.T0, List.of(entry),
        List.of(held)));
    XRayCheckpoint back = store.load().orElseThrow();

    assertThat(back.source()).isEqualTo("payments-eu");
    assertThat(back.path()).isEqualTo(SourcePath.LOGS);
    assertThat(back.heldEvents()).containsExactly(held);
    assertThat(back.cursor()).isEqualTo(XRayHarness.T0.plusMillis(123));
    assertThat(back.traces()).singleElement().satisfies(e -> {
      assertThat(e.traceId()).isEqualTo(entry.traceId());
      assertThat(e.revision()).isEqualTo(3);
      assertThat(e.delivered()).isEqualTo(entry.delivered());
      assertThat(e.spanIds()).containsExactly(-1L, 5L, Long.MIN_VALUE);
      assertThat(e.held()).containsExactly("53995c3f42cd8ad8");
      assertThat(e.heldSince()).isEqualTo(XRayHarness.T0);
      assertThat(e.touched()).isEqualTo(XRayHarness.T0.plusSeconds(1));
    });
    assertThat(dir.resolve("cp.json.tmp")).doesNotExist();
  }

  /** A checkpoint written before sources had names moves to source {@code default}'s file, with no gap. */
  @Test
  void unnamedCheckpoint_isTakenOverBySourceDefault_thenDeleted() throws Exception {
    Path legacy = h.checkpointFile;
    Path own = legacy.resolveSibling("xray-checkpoint-default.json");
    Files.createDirectories(legacy.getParent());
    Instant cursor = XRayHarness.T0.minusSeconds(20);
    Files.writeString(legacy, "{\"format\": \"xray-datadog-bridge/xray-checkpoint\", \"version\": 1, \"cursor\": \"" + cursor
        + "\", \"written_at\": \"" + cursor + "\", \"traces\": [{\"id\": \"1-6b0bb2f8-00000000780c0c87013a95e4\","
        + " \"revision\": 1, \"touched\": \"" + cursor + "\", \"held_since\": \"1970-01-01T00:00:00Z\", \"held\": [],"
        + " \"delivered\": {\"2d5a03ff0ff00ee8\": 5}, \"spans\": [7]}]}");
    h.checkpointStore = () -> FileCheckpointStore.migrating(own, legacy, "bridge.xray.checkpoint-file", new XRayCheckpointFormat());
    h.clock.advance(Duration.ofSeconds(5));

    XRayPoller poller = h.poller(new RecordingSink(), h.converter(), new SimpleMeterRegistry());

    assertThat(poller.status().cursor()).isEqualTo(cursor);
    assertThat(poller.status().trackedTraces()).isEqualTo(1);
    assertThat(h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES)).isEmpty();
    h.poll(poller);
    assertThat(h.emulator.requests(RecordedRequest.GET_TRACE_SUMMARIES)).first()
        .satisfies(r -> assertThat(r.startTime()).isEqualByComparingTo(java.math.BigDecimal.valueOf(cursor.minus(h.overlap).getEpochSecond())));
    assertThat(legacy).doesNotExist();
    assertThat(Files.readString(own)).contains("\"version\":2").contains("\"source\":\"default\"");
  }

  @Test
  void checkpointOfAnotherSource_isRefusedAtStart() throws Exception {
    FileCheckpointStore<XRayCheckpoint> store = h.checkpoints();
    store.save(new XRayCheckpoint("payments-eu", XRayHarness.T0, XRayHarness.T0, List.of()));
    XRayPoller poller = newPoller();

    assertThatThrownBy(poller::start)
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("belongs to X-Ray source 'payments-eu', not to 'default'");
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private XRayPoller newPoller() {
    return h.newPoller(new RecordingSink(), h.converter(), new SimpleMeterRegistry());
  }

  /** {@code n} one-segment traces stored now; returns the span ids the stub makes of them. */
  private List<Long> putTraces(int n) {
    List<Long> spans = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String t = traces.traceId(h.clock.instant());
      String seg = traces.segmentId();
      h.store.put(XRaySegments.segment(t, seg, "", h.clock.instant(), Duration.ofMillis(30)));
      spans.add(Long.parseUnsignedLong(seg, 16));
      spans.add(Long.parseUnsignedLong(XRaySegments.child(seg), 16));
    }
    return spans;
  }
}
