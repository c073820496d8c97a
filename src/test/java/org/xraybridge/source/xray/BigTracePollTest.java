package org.xraybridge.source.xray;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.demo.Faults;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Span;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.testing.BigTraces.BigTrace;
import org.xraybridge.testing.BigTraces;
import org.xraybridge.testing.Corpus;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.XRayHarness;
import software.amazon.awssdk.services.xray.XRayAsyncClient;
import software.amazon.awssdk.services.xray.model.Trace;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Big traces through the real poller, the real converter and the real AWS SDK client, against the
 * emulator: the pieces an SDK uploads (each one datagram, at most 64 KiB) go in with
 * PutTraceSegments, the emulator compiles them per segment as the X-Ray API does, and every span
 * comes out once — from a compiled document past 64 KiB, and from a trace of 10,000 spans the
 * emulator marks {@code LimitExceeded} (past X-Ray's 500 KB), each of its spans tagged and the trace
 * counted once.
 */
class BigTracePollTest {

  /** Floats as BigDecimal: the times of the golden documents go back out with the digits they came with. */
  static final ObjectMapper JSON =
      JsonMapper.builder().enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

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
    ConvertOptions d = ConvertOptions.DEFAULTS;
    // the converter and the source share bridge.xray.in-progress-timeout (docs/xray-source.md "Wiring")
    ConvertOptions options = new ConvertOptions(d.keepInferred(), d.serviceMapping(), d.envAnnotation(), d.envRules(), d.defaultEnv(),
        h.inProgressTimeout);
    SegmentConverter converter = new SegmentConverter(options, h.ledger, h.clock);
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
    assertThat(two.segments().stream().mapToInt(s -> s.document().length()).sum()).isGreaterThan(Faults.DEFAULT_LIMIT_EXCEEDED_CHARS);
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
  void goldenCompiledSegmentPast64KiB_uploadedInPiecesOfOneDatagram_comesOutSpanBySpanOnce() throws IOException {
    // corpus xray/api/005, as its SDK would have uploaded it: the segment, the batch subsegment and each
    // call as independent subsegments; the emulator compiles them back into one document past 64 KiB
    JsonNode trace = golden("005-constructed-batch-get-traces-compiled-lambda-segment-past-64kib").path("Traces").get(0);
    String traceId = trace.path("Id").asString();
    List<String> pieces = new ArrayList<>();
    for (JsonNode segment : trace.path("Segments")) {
      ObjectNode doc = (ObjectNode) JSON.readTree(segment.path("Document").asString());
      pieces.addAll(asUploaded(doc, traceId, ""));
    }
    for (String piece : pieces) assertThat(piece.length()).isLessThanOrEqualTo(64 * 1024);
    assertThat(h.client().putTraceSegments(r -> r.traceSegmentDocuments(pieces)).join().unprocessedTraceSegments()).isEmpty();
    h.clock.advance(Duration.ofSeconds(5));

    assertThat(h.poll(poller())).isEqualTo(PollOutcome.COMPLETED);

    Trace served = h.client().batchGetTraces(r -> r.traceIds(traceId)).join().traces().get(0);
    assertThat(served.segments()).anySatisfy(s -> assertThat(s.document().length()).isGreaterThan(64 * 1024));
    assertThat(sink.spanIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(goldenSpanIds(
        "005-constructed-batch-get-traces-compiled-lambda-segment-past-64kib"));
    assertThat(h.ledger.rejected()).isZero();
  }

  @Test
  void goldenLimitExceededTrace_servedCut_everySpanOnceTaggedAndTheTraceCounted() throws IOException {
    JsonNode trace = golden("006-constructed-batch-get-traces-limit-exceeded").path("Traces").get(0);
    List<String> documents = new ArrayList<>();
    for (JsonNode segment : trace.path("Segments")) documents.add(segment.path("Document").asString());
    h.store.put(documents);
    h.faults.limitExceededAboveChars(1_000); // X-Ray's limit is dynamic: down to a few KB for a trace sent slowly
    h.clock.advance(Duration.ofSeconds(5));

    assertThat(h.poll(poller())).isEqualTo(PollOutcome.COMPLETED);

    assertThat(sink.spanIds()).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(goldenSpanIds("006-constructed-batch-get-traces-limit-exceeded"));
    assertThat(sink.accepted).flatExtracting(ConvertedTrace::spans)
        .allSatisfy(s -> assertThat(s.meta()).containsEntry("aws.xray.limit_exceeded", "true"));
    assertThat(registry.get("bridge.xray.traces.limit_exceeded").counter().count()).isEqualTo(1);
  }

  @Test
  void limitExceededTraceFetchedAgainForItsHeldSegment_isCountedOnce() {
    // X-Ray cut the trace before the last segment's completion arrived: it stays in progress, is held,
    // and is fetched again once the in-progress timeout passed, when it is emitted as it is
    long start = XRayHarness.T0.getEpochSecond() - 30;
    BigTrace t = BigTraces.trace(5, 600, 300, start);
    String open = "{\"trace_id\":\"" + t.xrayTraceId() + "\",\"id\":\"00000000000f00d1\",\"parent_id\":\"" + hex(t.spanIds().get(0))
        + "\",\"name\":\"order-notifier\",\"start_time\":" + (start + 1) + ",\"in_progress\":true}";
    h.faults.limitExceededAboveChars(1_000);
    upload(t);
    h.store.put(open);
    h.clock.advance(Duration.ofSeconds(5));
    XRayPoller poller = poller();
    h.poll(poller);
    assertThat(sink.spanIds()).hasSize(600);

    h.clock.advance(h.inProgressTimeout.plusSeconds(5));
    h.poll(poller);

    assertThat(sink.spanIds()).hasSize(601).doesNotHaveDuplicates().contains(0xf00d1L);
    assertThat(sink.accepted.get(sink.accepted.size() - 1).spans()).singleElement().satisfies(s -> assertThat(s.meta())
        .containsEntry("aws.xray.limit_exceeded", "true").containsEntry("aws.xray.in_progress", "true"));
    assertThat(registry.get("bridge.xray.traces.limit_exceeded").counter().count()).isEqualTo(1);
  }

  /** A compiled document → the documents its SDK sent: itself without subsegments, and each subsegment as an independent one. */
  private static List<String> asUploaded(ObjectNode doc, String traceId, String parentId) {
    List<String> out = new ArrayList<>();
    JsonNode subs = doc.remove("subsegments");
    if (!parentId.isEmpty()) {
      doc.put("type", "subsegment");
      doc.put("trace_id", traceId);
      doc.put("parent_id", parentId);
    }
    out.add(JSON.writeValueAsString(doc));
    if (subs != null) for (JsonNode sub : subs) out.addAll(asUploaded((ObjectNode) sub, traceId, doc.path("id").asString()));
    return out;
  }

  private static JsonNode golden(String name) throws IOException {
    return JSON.readTree(Files.readString(Corpus.root().resolve("xray/api/" + name + ".json")));
  }

  private static List<Long> goldenSpanIds(String name) throws IOException {
    JsonNode expected = JSON.readTree(Files.readString(Corpus.project().resolve("src/test/resources/golden/xray/api/" + name + ".expected.json")));
    List<Long> ids = new ArrayList<>();
    for (JsonNode span : expected.path("spans")) ids.add(Long.parseUnsignedLong(span.path("span_id").asString()));
    return ids;
  }

  private static String hex(long id) {
    return String.format("%016x", id);
  }
}
