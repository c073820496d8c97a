package org.xraybridge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.config.TestPipelines;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.ops.DropLedger;

/**
 * The product's reason to exist, end to end, with real halves: a host app under the real
 * dd-java-agent (X-Ray propagation on) calls an HTTP endpoint in this test that plays an X-Ray-traced
 * Lambda with the real AWS X-Ray SDK. The SDK's segment documents go into the X-Ray emulator, the real
 * poller fetches them through the real AWS SDK client, and the whole pipeline (receiver, converter,
 * merge, embedded forward sink) runs as in production. Asserted on what the forward stage delivered.
 *
 * <p>Two Lambdas: {@code /padded} continues the {@code X-Amzn-Trace-Id} the tracer injected (the
 * X-Ray id carries the Datadog id); {@code /metadata} starts its own X-Ray trace and writes the
 * {@code datadog-metadata} subsegment as Datadog's Lambda libraries do, from the Datadog headers the
 * tracer sent — the bridge must re-key and re-parent that half.
 */
class HostToLambdaTest {

  @TempDir Path dir;
  private TestPipelines.Running bridge;
  private HttpServer lambda;

  @AfterEach
  void stop() {
    if (lambda != null) lambda.stop(0);
    if (bridge != null) bridge.close();
  }

  @Test
  void hostToLambda_bothHalvesMeetInOneTrace() throws Exception {
    bridge = TestPipelines.embedded(dir, "e2e");
    List<String> documents = new CopyOnWriteArrayList<>();
    Map<String, Map<String, String>> headersByPath = new HashMap<>();
    lambda = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    lambda.createContext("/padded", ex -> XRayLambda.play(ex, documents, headersByPath, false));
    lambda.createContext("/metadata", ex -> XRayLambda.play(ex, documents, headersByPath, true));
    lambda.start();
    String base = "http://127.0.0.1:" + lambda.getAddress().getPort();

    List<String> out = TracedHost.run(bridge, base + "/padded", base + "/metadata");
    Map<String, String> traceByPath = new HashMap<>();
    for (String line : out) {
      if (line.startsWith("TRACE ")) {
        String[] p = line.split(" ");
        traceByPath.put(p[1].substring(p[1].lastIndexOf('/')), p[2]);
        assertThat(p[3]).isEqualTo("200");
      }
    }
    assertThat(traceByPath).containsKeys("/padded", "/metadata");
    // the X-Ray half reaches X-Ray as the Lambda's segments do: PutTraceSegments into the emulator
    assertThat(documents).isNotEmpty();
    bridge.store().put(List.copyOf(documents));

    long padded = Long.parseUnsignedLong(traceByPath.get("/padded").substring(16), 16);
    long rekeyed = Long.parseUnsignedLong(traceByPath.get("/metadata").substring(16), 16);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      Map<Long, List<Span>> byTrace = bridge.forwardedByTrace();
      assertThat(byTrace.getOrDefault(padded, List.of())).anySatisfy(s -> assertThat(s.meta()).containsKey("aws.xray.trace_id"));
      assertThat(byTrace.getOrDefault(rekeyed, List.of())).anySatisfy(s -> assertThat(s.meta()).containsKey("aws.xray.trace_id"));
    });
    bridge.flush();
    Map<Long, List<Span>> byTrace = bridge.forwardedByTrace();

    for (String path : List.of("/padded", "/metadata")) {
      long traceId = path.equals("/padded") ? padded : rekeyed;
      List<Span> spans = byTrace.get(traceId);
      List<Span> xray = spans.stream().filter(s -> s.meta().containsKey("aws.xray.trace_id")).toList();
      List<Span> tracer = spans.stream().filter(s -> !s.meta().containsKey("aws.xray.trace_id")).toList();
      assertThat(tracer).as(path + ": the tracer's half").isNotEmpty();
      assertThat(xray).as(path + ": the X-Ray half").extracting(Span::name)
          .contains("aws.lambda.function", "aws.dynamodb.request", "charge_card");
      // one trace id across both halves
      assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(traceId));
      // the X-Ray function segment hangs under the tracer's HTTP client span
      Map<String, String> headers = headersByPath.get(path);
      long clientSpan = Long.parseUnsignedLong(headers.get("x-datadog-parent-id"));
      assertThat(tracer).extracting(Span::spanId).contains(clientSpan);
      Span function = xray.stream().filter(s -> s.name().equals("aws.lambda.function")).findFirst().orElseThrow();
      assertThat(function.parentId()).as(path + ": X-Ray root's parent").isEqualTo(clientSpan);
      // same env on both halves
      assertThat(spans).allSatisfy(s -> assertThat(s.meta()).containsEntry("env", "e2e"));
      // one sampling decision: every root of every chunk says the same priority
      Set<Double> priorities = new HashSet<>();
      for (Span s : spans) {
        Double p = s.metrics().get(Priority.METRIC);
        if (p != null) priorities.add(p);
      }
      assertThat(priorities).as(path + ": priorities").hasSize(1);
      // the native _dd.p.tid travels with the X-Ray chunk
      String tid = tracer.stream().map(s -> s.meta("_dd.p.tid")).filter(t -> !t.isEmpty()).findFirst().orElse("");
      assertThat(tid).hasSize(16);
      assertThat(xray).anySatisfy(s -> assertThat(s.meta("_dd.p.tid")).isEqualTo(tid));
      // no span twice
      List<Long> ids = spans.stream().map(Span::spanId).toList();
      assertThat(ids).doesNotHaveDuplicates();
      // the error in the Lambda is an error in Datadog
      assertThat(xray).filteredOn(s -> s.name().equals("charge_card")).singleElement()
          .satisfies(s -> assertThat(s.error()).isEqualTo(1));
    }
    // the re-keyed half carried its own X-Ray id, not a padded one
    Span metadataFunction = byTrace.get(rekeyed).stream().filter(s -> s.name().equals("aws.lambda.function")).findFirst().orElseThrow();
    assertThat(IdCodec.isPadded(metadataFunction.meta("aws.xray.trace_id"))).isFalse();
    assertThat(metadataFunction.meta()).containsEntry("function_trigger.event_source", "api-gateway");

    // every span taken in is accounted for
    DropLedger.Snapshot ledger = bridge.ledger();
    assertThat(ledger.taken()).isEqualTo(ledger.forwarded() + ledger.dropped() + bridge.inFlight());
    assertThat(ledger.dropped()).isZero();
  }
}
