package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.demo.XRayEmulator;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Span;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.testing.BigTraces;
import org.xraybridge.testing.BigTraces.BigTrace;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.XRayHarness;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.Trace;

/**
 * Big traces through the real poller, the real converter and the real AWS SDK client, against the
 * emulator: the pieces an SDK uploads (each one datagram, at most 64 KiB) go in with
 * PutTraceSegments, the emulator compiles them per segment as the X-Ray API does, and every span
 * comes out once — from a compiled document past 64 KiB, and from a trace of 10,000 spans the
 * emulator marks {@code LimitExceeded} (past X-Ray's 500 KB), each of its spans tagged and the trace
 * counted once.
 */
class BigTracePollTest {

  @TempDir Path dir;
  XRayHarness h;
  final RecordingSink sink = new RecordingSink();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void setUp() {
    h = new XRayHarness(dir);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  private XRayPoller poller() {
    SegmentConverter converter = new SegmentConverter(ConvertOptions.DEFAULTS, h.ledger, h.clock);
    return h.poller(sink, converter, registry);
  }

  /** Uploads the pieces as an SDK's daemon would: PutTraceSegments, each document at most 64 KiB. */
  private void upload(BigTrace t) {
    XRayAsyncClient client = h.client();
    for (String piece : t.uploads()) assertThat(piece.length()).isLessThanOrEqualTo(64 * 1024);
    for (int i = 0; i < t.uploads().size(); i += 25) {
      List<String> some = t.uploads().subList(i, Math.min(t.uploads().size(), i + 25));
      assertThat(client.putTraceSegments(r -> r.traceSegmentDocuments(some)).join().unprocessedTraceSegments()).isEmpty();
    }
  }

  private List<Span> spansOf(String xrayTraceId) {
    return sink.accepted.stream().filter(c -> c.xrayTraceId().equals(xrayTraceId)).flatMap(c -> c.spans().stream()).toList();
  }

  @Test
  void compiledSegmentPast64KiB_andTenThousandSpanLimitExceededTrace_everySpanOnce() {
    long start = XRayHarness.T0.getEpochSecond() - 30;
    BigTrace compiled = BigTraces.trace(64, 800, 800, start);
    BigTrace huge = BigTraces.trace(10_000, 10_000, 500, start);
    upload(compiled);
    upload(huge);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();

    assertThat(h.poll(poller)).isEqualTo(PollOutcome.COMPLETED);

    // what the emulator served: one compiled document past 64 KiB for the first trace; the second past 500 KB
    List<Trace> served = h.client().batchGetTraces(r -> r.traceIds(compiled.xrayTraceId(), huge.xrayTraceId())).join().traces();
    Trace one = served.stream().filter(t -> t.id().equals(compiled.xrayTraceId())).findFirst().orElseThrow();
    Trace two = served.stream().filter(t -> t.id().equals(huge.xrayTraceId())).findFirst().orElseThrow();
    assertThat(one.segments()).singleElement().satisfies(s -> assertThat(s.document().length()).isGreaterThan(64 * 1024));
    assertThat(one.limitExceeded()).isFalse();
    assertThat(two.segments().stream().mapToInt(s -> s.document().length()).sum()).isGreaterThan(XRayEmulator.DEFAULT_LIMIT_EXCEEDED_CHARS);
    assertThat(two.limitExceeded()).isTrue();

    List<Span> first = spansOf(compiled.xrayTraceId());
    assertThat(first).extracting(Span::spanId).hasSize(800).containsExactlyInAnyOrderElementsOf(compiled.spanIds());
    assertThat(first).allSatisfy(s -> assertThat(s.meta()).doesNotContainKey("aws.xray.limit_exceeded"));

    List<Span> second = spansOf(huge.xrayTraceId());
    assertThat(second).extracting(Span::spanId).hasSize(10_000).containsExactlyInAnyOrderElementsOf(huge.spanIds());
    assertThat(second).allSatisfy(s -> assertThat(s.meta()).containsEntry("aws.xray.limit_exceeded", "true"));
    assertThat(registry.get("bridge.xray.traces.limit_exceeded").counter().count()).isEqualTo(1);
    assertThat(h.ledger.rejected()).as("no document refused").isZero();
    assertThat(sink.accepted).extracting(ConvertedTrace::half).containsOnly(Half.XRAY_POLL);

    // the next ticks re-read the overlap: nothing is handed on twice, the cut trace is not counted again
    int chunks = sink.accepted.size();
    h.store.put(BigTraces.trace(1, 10, 10, h.clock.instant().getEpochSecond()).uploads()); // a new trace besides
    h.clock.advance(Duration.ofSeconds(2));
    assertThat(h.poll(poller)).isEqualTo(PollOutcome.COMPLETED);
    assertThat(sink.accepted).hasSize(chunks + 1);
    assertThat(sink.spanIds()).doesNotHaveDuplicates().hasSize(10_810);
    assertThat(registry.get("bridge.xray.traces.limit_exceeded").counter().count()).isEqualTo(1);
  }

  @Test
  void limitExceededTraceWithANewRevision_isCountedOnce_andOnlyItsNewSpansGoOn() {
    long start = XRayHarness.T0.getEpochSecond() - 30;
    BigTrace t = BigTraces.trace(5, 600, 300, start);
    h.emulator.limitExceededAboveChars(1_000);
    upload(t);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    assertThat(sink.spanIds()).hasSize(600);

    // a late independent subsegment under the first segment: the trace's revision grows, X-Ray serves it cut again
    String late = "{\"type\":\"subsegment\",\"trace_id\":\"" + t.xrayTraceId() + "\",\"parent_id\":\"" + hex(t.spanIds().get(0))
        + "\",\"id\":\"00000000000f00d1\",\"name\":\"late-cleanup\",\"start_time\":" + (start + 1) + ",\"end_time\":" + (start + 2) + "}";
    h.store.put(late);
    h.clock.advance(Duration.ofSeconds(2));
    h.poll(poller);

    assertThat(sink.spanIds()).hasSize(601).doesNotHaveDuplicates().contains(0xf00d1L);
    assertThat(sink.accepted.get(sink.accepted.size() - 1).spans()).singleElement()
        .satisfies(s -> assertThat(s.meta()).containsEntry("aws.xray.limit_exceeded", "true"));
    assertThat(registry.get("bridge.xray.traces.limit_exceeded").counter().count()).isEqualTo(1);
  }

  private static String hex(long id) {
    return String.format("%016x", id);
  }
}
