package org.xraybridge.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.forward.ForwardMetrics;
import org.xraybridge.forward.Forwarder;
import org.xraybridge.forward.TestSettings;
import org.xraybridge.forward.TestTraces;
import org.xraybridge.forward.agent.MsgpackBuffer;
import org.xraybridge.forward.agent.V04TraceWriter;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.TraceChunk;

class EmbeddedAgentTest {
  @TempDir Path spoolDir;
  private Forwarder forwarder;
  private EmbeddedAgent standalone;

  @AfterEach
  void tearDown() {
    if (forwarder != null) forwarder.stop(Duration.ofSeconds(1));
    if (standalone != null) standalone.close();
  }

  @Test
  void forwarderToTheSink_submit_recordsEveryTraceOverRealHttpAndDecodesTheSameSpans() throws Exception {
    standalone = new EmbeddedAgent(1000, 11 << 20, Clock.systemUTC());
    forwarder = new Forwarder(TestSettings.agent(standalone.start(), spoolDir).build(), Ledger.NONE, ForwardMetrics.NOOP,
        Clock.systemUTC());
    forwarder.start();
    assertThat(forwarder.endpoint().getHost()).isEqualTo("127.0.0.1");
    SplittableRandom r = new SplittableRandom(41);
    List<TraceChunk> chunks = new ArrayList<>();
    long spans = 0;
    for (int i = 0; i < 60; i++) {
      TraceChunk c = TestTraces.random(r, TestTraces.JAVA);
      chunks.add(c);
      spans += c.size();
    }
    forwarder.submit(ChunkBatch.of(chunks));
    forwarder.flush();
    long total = spans;
    await().atMost(Duration.ofSeconds(5)).until(() -> standalone.snapshot().spans() == total);

    EmbeddedAgent.Snapshot snap = standalone.snapshot();
    assertThat(snap.traces()).isEqualTo(chunks.size());
    assertThat(snap.tracePayloads()).isPositive();
    assertThat(snap.rejectedPayloads()).isZero();
    Map<Long, List<Span>> recorded = new HashMap<>();
    for (List<Span> t : snap.recentTraces()) recorded.put(t.get(0).traceId(), t);
    for (TraceChunk c : chunks) {
      List<Span> got = recorded.get(c.traceId());
      assertThat(got).as("trace %s", c.traceId()).hasSize(c.size());
      for (int i = 0; i < c.size(); i++) {
        assertThat(view(got.get(i))).as("span %d of trace %s", i, c.traceId())
            .isEqualTo(view(expected(c.spans().get(i), i == 0 ? c.priority() : Priority.NONE)));
      }
    }
    assertThat(forwarder.inFlightSpans()).isZero();
  }

  @Test
  void recentTraces_moreThanTheBound_keepsOnlyTheLatest() throws Exception {
    standalone = new EmbeddedAgent(3, 1 << 20, Clock.systemUTC());
    URI url = standalone.start();
    for (int i = 1; i <= 5; i++) {
      byte[] body = v04(TestTraces.simple(i, i * 10L, 2, TestTraces.JAVA, Priority.NONE));
      assertThat(put(url.resolve("/v0.4/traces"), body).statusCode()).isEqualTo(200);
    }
    EmbeddedAgent.Snapshot s = standalone.snapshot();
    assertThat(s.traces()).isEqualTo(5);
    assertThat(s.spans()).isEqualTo(10);
    assertThat(s.recentTraces()).extracting(t -> t.get(0).traceId()).containsExactly(3L, 4L, 5L);
  }

  @Test
  void requests_tooLargeOrMalformed_areAnswered413And400AsTheAgentDoes() throws Exception {
    standalone = new EmbeddedAgent(10, 1024, Clock.systemUTC());
    URI url = standalone.start();
    HttpResponse<String> big = put(url.resolve("/v0.4/traces"), new byte[2048]);
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.body()).isEqualTo("payload-too-large");
    HttpResponse<String> bad = put(url.resolve("/v0.4/traces"), new byte[] {(byte) 0x91, (byte) 0xc1});
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).startsWith("msgpack decode error");
    assertThat(put(url.resolve("/v0.6/stats"), new byte[] {(byte) 0x80}).statusCode()).isEqualTo(200);
    assertThat(put(url.resolve("/v0.6/stats"), new byte[] {1}).statusCode()).isEqualTo(400);
    assertThat(put(url.resolve("/nope"), new byte[0]).statusCode()).isEqualTo(404);
    assertThat(standalone.snapshot().rejectedPayloads()).isEqualTo(3);
    assertThat(standalone.snapshot().statsPayloads()).isEqualTo(1);
  }

  private static byte[] v04(TraceChunk c) {
    V04TraceWriter w = new V04TraceWriter();
    MsgpackBuffer b = new MsgpackBuffer(1024, 1 << 20);
    b.ensureRoom(w.sizeOf(c));
    w.write(c, b);
    byte[] h = MsgpackBuffer.arrayHeader(1);
    return b.toByteArray(h, h.length);
  }

  private static HttpResponse<String> put(URI uri, byte[] body) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Content-Type", "application/msgpack").build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The span as the Agent should read it: UTF-8 round-tripped strings and the chunk priority. */
  private static Span expected(Span s, int priority) {
    Span.Builder b = s.toBuilder().service(TestTraces.wire(s.service())).name(TestTraces.wire(s.name()))
        .resource(TestTraces.wire(s.resource())).type(TestTraces.wire(s.type())).meta(TestTraces.wire(s.meta()));
    Map<String, Double> metrics = new HashMap<>();
    s.metrics().forEach((k, v) -> metrics.put(TestTraces.wire(k), v));
    if (priority != Priority.NONE) metrics.put(Priority.METRIC, (double) priority);
    List<SpanLink> links = new ArrayList<>();
    for (SpanLink l : s.spanLinks()) {
      // present flags go on the wire with their high "set" bit, which the receiver's decoder keeps
      links.add(new SpanLink(l.traceId(), l.traceIdHigh(), l.spanId(), TestTraces.wire(l.attributes()), l.tracestate(),
          l.flags() == 0 ? 0 : l.flags() | 0x8000_0000L));
    }
    return b.metrics(metrics).spanLinks(links).build();
  }

  /** A comparable view: the span record with its byte arrays as hex. */
  private static List<Object> view(Span s) {
    Map<String, String> metaStruct = new HashMap<>();
    s.metaStruct().forEach((k, v) -> metaStruct.put(k, HexFormat.of().formatHex(v)));
    return List.of(s.traceId(), s.spanId(), s.parentId(), s.startNanos(), s.durationNanos(), s.error(), s.service(),
        s.name(), s.resource(), s.type(), s.meta(), s.metrics(), metaStruct, s.spanLinks());
  }
}
