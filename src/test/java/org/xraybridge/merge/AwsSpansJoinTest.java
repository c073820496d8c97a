package org.xraybridge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.otel.SpanRecordConverter;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchResult;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TraceKey;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.Corpus;

/**
 * A trace whose X-Ray half was read from {@code aws/spans} (corpus {@code aws-spans/joined-padded}:
 * trace id {@code 6b0bb2f8 00000000 780c0c87013a95e4}, the padding a Datadog tracer writes) meets the
 * tracer's half in the real stitcher and trace index, as docs/stitching.md says polled halves do.
 */
class AwsSpansJoinTest {

  static final long NATIVE_TRACE = 0x780c0c87013a95e4L;
  static final long CLIENT_SPAN = 0x2d5a03ff0ff00ee8L;
  static final long SERVER_SPAN = 0x6aa73e21f20049faL;
  static final long CHILD_SPAN = 0x1c399aa50c9d41ebL;
  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  final StitcherTest.FakeTicker ticker = new StitcherTest.FakeTicker();
  final TraceIndex index = new TraceIndex(1_000, Duration.ofMinutes(30), ticker, Scheduler.disabledScheduler());
  final Stitcher stitcher = new Stitcher(index, Clock.fixed(NOW, ZoneOffset.UTC));

  static ConvertedTrace logsHalf() throws IOException {
    List<SegmentDocument> docs = new ArrayList<>();
    for (String line : Files.readAllLines(Corpus.file("aws-spans/joined-padded.ndjson"))) {
      if (!line.isBlank() && !line.startsWith("//")) docs.add(new SegmentDocument("", line));
    }
    SpanRecordConverter converter = new SpanRecordConverter(ConvertOptions.DEFAULTS, Ledger.NONE, Clock.fixed(NOW, ZoneOffset.UTC));
    // as the reader hands a trace over: the W3C id it read, the half it is
    return converter.convert(new XRayDocuments("6b0bb2f800000000780c0c87013a95e4", docs, Half.XRAY_LOGS, false));
  }

  static TraceChunk nativeChunk(int priority) {
    Span root = Span.builder().traceId(NATIVE_TRACE).spanId(0x1111).name("checkout.request").service("checkout-service")
        .resource("POST /checkout").putMeta("env", "prod").putMeta("_dd.p.tid", "6b0bb2f800000000")
        .putMetric(Priority.METRIC, priority).build();
    Span client = Span.builder().traceId(NATIVE_TRACE).spanId(CLIENT_SPAN).parentId(0x1111).name("http.request")
        .service("checkout-service").resource("POST /downstream/payments").putMeta("env", "prod").build();
    return new TraceChunk(NATIVE_TRACE, List.of(root, client), priority, "", "prod", Half.NATIVE, new TracerInfo("java", "17", "1.68.1", ""));
  }

  @Test
  void logsHalf_carriesTheTracersIdUnmaskedAndItsParent() throws IOException {
    ConvertedTrace t = logsHalf();
    assertThat(t.half()).isEqualTo(Half.XRAY_LOGS);
    assertThat(t.xrayTraceId()).isEqualTo("1-6b0bb2f8-00000000780c0c87013a95e4");
    assertThat(t.traceId()).isEqualTo(NATIVE_TRACE).isEqualTo(IdCodec.datadogTraceId(t.xrayTraceId()));
    assertThat(t.key()).isEqualTo(TraceKey.of(NATIVE_TRACE));
    assertThat(t.env()).isEqualTo("prod");
    assertThat(t.emittedSegmentIds()).containsExactlyInAnyOrder("6aa73e21f20049fa", "1c399aa50c9d41eb");
    assertThat(t.spans()).extracting(Span::spanId).containsExactly(SERVER_SPAN, CHILD_SPAN);
    assertThat(t.spans().get(0).parentId()).isEqualTo(CLIENT_SPAN);
  }

  @Test
  void tracerFirst_logsHalfJoinsWithTheNativeIdTidAndDecision() throws IOException {
    stitcher.stitchNative(nativeChunk(Priority.AUTO_KEEP));
    StitchResult r = stitcher.stitchXRay(logsHalf());

    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.JOINED);
    assertThat(r.decidedBy()).isEqualTo(Half.NATIVE);
    assertThat(r.priority()).isEqualTo(Priority.AUTO_KEEP);
    TraceChunk c = r.chunk();
    assertThat(c.half()).isEqualTo(Half.XRAY_LOGS);
    assertThat(c.traceId()).isEqualTo(NATIVE_TRACE);
    assertThat(c.priority()).isEqualTo(Priority.AUTO_KEEP);
    assertThat(c.spans()).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(NATIVE_TRACE));
    Span server = c.spans().get(0);
    assertThat(server.spanId()).isEqualTo(SERVER_SPAN);
    assertThat(server.parentId()).isEqualTo(CLIENT_SPAN);
    assertThat(server.meta()).containsEntry("_dd.p.tid", "6b0bb2f800000000");
    // the server span's parent is the tracer's span, outside this chunk: it is a root here
    assertThat(server.metrics()).containsEntry(Priority.METRIC, (double) Priority.AUTO_KEEP);
    Span child = c.spans().get(1);
    assertThat(child.meta()).doesNotContainKey("_dd.p.tid");
    assertThat(child.metrics()).doesNotContainKey(Priority.METRIC);
  }

  @Test
  void tracerDroppedTheTrace_logsHalfIsSampledOut() throws IOException {
    stitcher.stitchNative(nativeChunk(Priority.AUTO_REJECT));
    StitchResult r = stitcher.stitchXRay(logsHalf());
    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.SAMPLED_OUT);
    assertThat(r.chunk()).isNull();
  }

  @Test
  void logsHalfFirst_decidesAndTheIndexRemembersItsHalf_thenTheTracerFollows() throws IOException {
    StitchResult first = stitcher.stitchXRay(logsHalf());
    assertThat(first.outcome()).isEqualTo(StitchResult.Outcome.INDEX_MISS);
    assertThat(first.decidedBy()).isEqualTo(Half.XRAY_LOGS);
    assertThat(first.priority()).isEqualTo(Priority.USER_KEEP);
    // the index packs the deciding half in two bits: the fourth half must come back as itself
    assertThat(index.get(TraceKey.of(NATIVE_TRACE)).decidedBy()).isEqualTo(Half.XRAY_LOGS);

    TraceChunk later = stitcher.stitchNative(nativeChunk(Priority.AUTO_REJECT));
    assertThat(later.priority()).isEqualTo(Priority.USER_KEEP);

    StitchResult again = stitcher.stitchXRay(logsHalf());
    assertThat(again.outcome()).isEqualTo(StitchResult.Outcome.JOINED);
    assertThat(again.decidedBy()).isEqualTo(Half.XRAY_LOGS);
    assertThat(again.chunk().spans().get(0).meta()).containsEntry("_dd.p.tid", "6b0bb2f800000000");
  }

  @Test
  void differentEnv_logsHalfIsNotJoined() throws IOException {
    TraceChunk staging = nativeChunk(Priority.AUTO_KEEP);
    staging = new TraceChunk(staging.traceId(), staging.spans(), staging.priority(), "", "staging", Half.NATIVE, staging.tracer());
    stitcher.stitchNative(staging);
    StitchResult r = stitcher.stitchXRay(logsHalf());
    assertThat(r.outcome()).isEqualTo(StitchResult.Outcome.ENV_MISMATCH);
    assertThat(r.chunk().spans().get(0).meta()).doesNotContainKey("_dd.p.tid");
    assertThat(Set.of(r.chunk().traceId())).containsExactly(NATIVE_TRACE);
  }
}
