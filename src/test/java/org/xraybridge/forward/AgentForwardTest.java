package org.xraybridge.forward;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.value.MapValue;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ChunkBatch;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Secret;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;
import org.xraybridge.testing.TestLedger;

/** Agent mode against a local Agent-compatible peer that decodes every field with msgpack-core. */
class AgentForwardTest {
  @TempDir Path spoolDir;
  private FakeHop agent;
  private Forwarder forwarder;
  private final TestLedger ledger = new TestLedger();

  @AfterEach
  void tearDown() {
    if (forwarder != null) forwarder.stop(Duration.ofSeconds(2));
    if (agent != null) agent.close();
  }

  private void start(int maxPayloadBytes) throws IOException {
    agent = FakeHop.start();
    forwarder = forwarder(agentSettings(agent.url()).maxPayloadBytes(maxPayloadBytes));
    forwarder.start();
  }

  private TestSettings agentSettings(URI url) {
    return TestSettings.agent(url, spoolDir).apiKey(Secret.of("agent-mode-never-sends-this-key"));
  }

  private Forwarder forwarder(TestSettings settings) {
    return new Forwarder(settings.build(), ledger, ForwardMetrics.NOOP, Clock.systemUTC());
  }

  @Test
  void submit_chunksOfFourProducers_putsV04PayloadsPerProducerThatDecodeFieldByField() throws IOException {
    start(10 << 20);
    SplittableRandom r = new SplittableRandom(31);
    TracerInfo go = new TracerInfo("go", "1.22", "1.70.0", "", true); // posts its own /v0.6/stats
    TracerInfo[] tracers = {TestTraces.JAVA, TestTraces.PYTHON, TracerInfo.XRAY, go};
    Map<Long, TraceChunk> sent = new HashMap<>();
    long spans = 0;
    for (int b = 0; b < 5; b++) {
      List<TraceChunk> chunks = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        TraceChunk c = TestTraces.random(r, tracers[r.nextInt(tracers.length)]);
        chunks.add(c);
        sent.put(c.traceId(), c);
        spans += c.size();
      }
      forwarder.submit(ChunkBatch.of(chunks));
    }
    forwarder.flush();
    long total = spans;
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.forwarded() == total);

    Map<Long, TraceChunk> seen = new HashMap<>();
    for (FakeHop.Request put : agent.accepted("/v0.4/traces")) {
      assertThat(put.method()).isEqualTo("PUT");
      assertThat(put.header("Content-Type")).isEqualTo("application/msgpack");
      assertThat(put.header("Datadog-Send-Real-Http-Status")).isEqualTo("true");
      assertThat(put.header("DD-API-KEY")).as("the key never goes to an Agent").isEmpty();
      List<List<MapValue>> traces = V04Wire.decode(put.body());
      assertThat(put.header("X-Datadog-Trace-Count")).isEqualTo(Integer.toString(traces.size()));
      for (List<MapValue> trace : traces) {
        long traceId = V04Wire.uint64(V04Wire.fields(trace.get(0)).get("trace_id"));
        TraceChunk expected = sent.get(traceId);
        assertThat(expected).as("trace %s was sent", Long.toUnsignedString(traceId)).isNotNull();
        assertThat(seen.put(traceId, expected)).as("trace delivered once").isNull();
        V04Wire.assertTrace(trace, expected);
        // the payload's headers are true for each of its traces
        TracerInfo t = expected.tracer();
        assertThat(put.header("Datadog-Meta-Lang")).isEqualTo(t.language());
        assertThat(put.header("Datadog-Meta-Lang-Version")).isEqualTo(t.languageVersion());
        assertThat(put.header("Datadog-Meta-Tracer-Version")).isEqualTo(t.tracerVersion());
        assertThat(put.header("Datadog-Container-ID")).isEqualTo(t.containerId());
        assertThat(put.header("Datadog-Entity-ID")).isEqualTo(t.containerId().isEmpty() ? "" : "ci-" + t.containerId());
        assertThat(put.header("Datadog-Client-Computed-Stats")).as("the Agent must not count these spans again")
            .isEqualTo(t.clientComputedStats() ? "true" : "");
      }
    }
    assertThat(seen.keySet()).isEqualTo(sent.keySet());
    assertThat(ledger.dropped()).as("agent mode sends every priority; the Agent samples").isZero();
    assertThat(forwarder.inFlightSpans()).isZero();
    assertThat(ledger.droppedElsewhereThan(Ledger.Stage.FORWARD)).isFalse();
  }

  @Test
  void submit_moreThanOnePayloadOfSpans_cutsBodiesUnderMaxPayloadBytesAndDeliversEachSpanOnce() throws IOException {
    int max = 64 * 1024;
    start(max);
    List<TraceChunk> chunks = new ArrayList<>();
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < 400; i++) {
      TraceChunk c = TestTraces.simple(500 + i, 1_000_000L * (i + 1), 8, TestTraces.JAVA, Priority.AUTO_KEEP);
      chunks.add(c);
      for (Span s : c.spans()) ids.add(s.spanId());
    }
    forwarder.submit(ChunkBatch.of(chunks));
    forwarder.flush();
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.forwarded() == ids.size());
    List<FakeHop.Request> puts = agent.accepted("/v0.4/traces");
    assertThat(puts.size()).isGreaterThan(5);
    List<Long> delivered = new ArrayList<>();
    for (FakeHop.Request put : puts) {
      assertThat(put.body().length).isLessThanOrEqualTo(max);
      for (List<MapValue> t : V04Wire.decode(put.body())) {
        for (MapValue s : t) delivered.add(V04Wire.uint64(V04Wire.fields(s).get("span_id")));
      }
    }
    assertThat(delivered).hasSize(ids.size()).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void submit_traceLargerThanMaxPayloadBytes_isDroppedAsOversizedAndTheOthersGoThrough() throws IOException {
    start(64 * 1024);
    TraceChunk small = TestTraces.simple(1, 100, 3, TestTraces.JAVA, Priority.AUTO_KEEP);
    Span big = small.spans().get(0).toBuilder().spanId(999).putMeta("payload", "x".repeat(70_000)).build();
    TraceChunk huge = new TraceChunk(2, List.of(big), Priority.USER_KEEP, "", "", Half.NATIVE, TestTraces.JAVA);
    TraceChunk after = TestTraces.simple(3, 300, 2, TestTraces.JAVA, Priority.AUTO_KEEP);
    forwarder.submit(TestTraces.batch(small, huge, after));
    forwarder.flush();
    await().atMost(Duration.ofSeconds(5)).until(() -> ledger.forwarded() == 5);
    assertThat(ledger.dropped(Ledger.Reason.OVERSIZED)).isEqualTo(1);
    List<Long> delivered = new ArrayList<>();
    for (FakeHop.Request put : agent.accepted("/v0.4/traces")) {
      for (List<MapValue> t : V04Wire.decode(put.body())) {
        for (MapValue s : t) delivered.add(V04Wire.uint64(V04Wire.fields(s).get("span_id")));
      }
    }
    assertThat(delivered).containsExactlyInAnyOrder(100L, 101L, 102L, 300L, 301L);
    assertThat(forwarder.inFlightSpans()).isZero();
  }

  @Test
  void offer_clientStats_passesTheBodyUnchangedToV06Stats() throws IOException {
    start(10 << 20);
    byte[] body;
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(2).packString("Hostname").packString("h").packString("Stats").packArrayHeader(0);
      body = p.toByteArray();
    }
    assertThat(forwarder.offer(body, TestTraces.PYTHON)).isEqualTo(Admission.ACCEPTED);
    await().atMost(Duration.ofSeconds(5)).until(() -> !agent.accepted("/v0.6/stats").isEmpty());
    FakeHop.Request put = agent.accepted("/v0.6/stats").get(0);
    assertThat(put.body()).isEqualTo(body);
    assertThat(put.header("Content-Type")).isEqualTo("application/msgpack");
    assertThat(put.header("Datadog-Meta-Lang")).isEqualTo("python");
    assertThat(put.header("Datadog-Meta-Tracer-Version")).isEqualTo("2.9.0");
    assertThat(put.header("Content-Encoding")).isEmpty();
  }

  @Test
  void start_agentUrlIsThisBridgesOwnReceiver_isRefusedNamingTheKey() {
    for (String url : List.of("http://localhost:8126", "http://127.0.0.1:8126/")) {
      Forwarder f = forwarder(agentSettings(URI.create(url)).ownReceiver("127.0.0.1", 8126));
      assertThatThrownBy(f::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("bridge.forward.agent-url")
          .hasMessageContaining("own receiver");
      f.stop(Duration.ZERO);
    }
  }

  @Test
  void start_agentOnAnotherPort_isAccepted() throws IOException {
    agent = FakeHop.start();
    forwarder = forwarder(agentSettings(agent.url()).ownReceiver("127.0.0.1", 8126));
    forwarder.start();
    assertThat(forwarder.status().state()).isEqualTo("RUNNING");
    assertThat(forwarder.status().endpoint()).isEqualTo(agent.url().toString());
  }

  @Test
  void offer_whileTheQueueIsFull_answersOverloaded() throws IOException {
    agent = FakeHop.reserved(); // nothing listens: payloads stay queued while retried
    forwarder = forwarder(agentSettings(agent.url()).maxQueuePayloads(1)
        .senderThreads(1).connectTimeout(Duration.ofMillis(200)).retryBudget(Duration.ofSeconds(3)));
    forwarder.start();
    forwarder.submit(TestTraces.batch(TestTraces.simple(1, 10, 1, TestTraces.JAVA, 1)));
    forwarder.flush();
    forwarder.submit(TestTraces.batch(TestTraces.simple(2, 20, 1, TestTraces.JAVA, 1)));
    forwarder.flush();
    await().atMost(Duration.ofSeconds(2)).until(forwarder::saturated);
    assertThat(forwarder.offer(new byte[] {(byte) 0x80}, TestTraces.JAVA)).isEqualTo(Admission.OVERLOADED);
    assertThat(forwarder.status().saturated()).isTrue();
  }
}
