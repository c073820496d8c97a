package org.xraybridge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.xray.AWSXRayRecorder;
import com.amazonaws.xray.AWSXRayRecorderBuilder;
import com.amazonaws.xray.emitters.Emitter;
import com.amazonaws.xray.entities.Subsegment;
import com.amazonaws.xray.entities.TraceID;
import com.amazonaws.xray.strategy.sampling.AllSamplingStrategy;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.context.Context;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
    lambda.createContext("/padded", ex -> playLambda(ex, documents, headersByPath, false));
    lambda.createContext("/metadata", ex -> playLambda(ex, documents, headersByPath, true));
    lambda.start();
    String base = "http://127.0.0.1:" + lambda.getAddress().getPort();

    List<String> out = runHost(bridge, base + "/padded", base + "/metadata");
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

  /** Plays a Lambda traced by X-Ray, with the real X-Ray SDK, and keeps the documents it emits. */
  private static void playLambda(HttpExchange ex, List<String> documents, Map<String, Map<String, String>> headersByPath, boolean writeDatadogMetadata)
      throws IOException {
    Map<String, String> headers = new HashMap<>();
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
    synchronized (headersByPath) {
      headersByPath.put(ex.getHttpContext().getPath(), headers);
    }
    ex.getRequestBody().readAllBytes();
    String amzn = headers.getOrDefault("x-amzn-trace-id", "");
    AWSXRayRecorder recorder = AWSXRayRecorderBuilder.standard()
        .withEmitter(new CollectingEmitter(documents)).withSamplingStrategy(new AllSamplingStrategy()).build();
    com.amazonaws.xray.entities.Segment segment;
    if (!writeDatadogMetadata) {
      // continue the trace the tracer's X-Amzn-Trace-Id names
      String root = part(amzn, "Root");
      String parent = part(amzn, "Parent");
      segment = recorder.beginSegment("payments-lambda", TraceID.fromString(root), parent);
    } else {
      // X-Ray starts its own trace (as behind an API Gateway); the Lambda library records the Datadog context
      segment = recorder.beginSegment("payments-lambda");
    }
    segment.setSampled(true);
    segment.setOrigin("AWS::Lambda::Function");
    if (writeDatadogMetadata) {
      Subsegment dd = recorder.beginSubsegment("datadog-metadata");
      dd.putMetadata("datadog", "trace", Map.of(
          "trace-id", headers.get("x-datadog-trace-id"),
          "parent-id", headers.get("x-datadog-parent-id"),
          "sampling-priority", headers.getOrDefault("x-datadog-sampling-priority", "1")));
      dd.putMetadata("datadog", "lambda_function_tags", Map.of("function_trigger.event_source", "api-gateway"));
      recorder.endSubsegment();
    }
    Subsegment ddb = recorder.beginSubsegment("DynamoDB");
    ddb.setNamespace("aws");
    ddb.putAws("operation", "GetItem");
    ddb.putAws("table_name", "payments");
    recorder.endSubsegment();
    Subsegment charge = recorder.beginSubsegment("charge-card");
    charge.addException(new IllegalStateException("card declined"));
    recorder.endSubsegment();
    recorder.endSegment();
    byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private static String part(String header, String name) {
    for (String p : header.split(";")) {
      String t = p.strip();
      if (t.startsWith(name + "=")) return t.substring(name.length() + 1);
    }
    throw new AssertionError("no " + name + " in X-Amzn-Trace-Id '" + header + "'");
  }

  /** The SDK's documents, as its UDP emitter would have sent them to a daemon. */
  static final class CollectingEmitter extends Emitter {
    private final List<String> documents;

    CollectingEmitter(List<String> documents) {
      this.documents = documents;
    }

    @Override
    public boolean sendSegment(com.amazonaws.xray.entities.Segment segment) {
      documents.add(segment.serialize());
      return true;
    }

    @Override
    public boolean sendSubsegment(Subsegment subsegment) {
      documents.add(subsegment.streamSerialize());
      return true;
    }
  }

  /** Runs the host app until it printed its traces and the bridge took their spans in; returns its output. */
  private List<String> runHost(TestPipelines.Running bridge, String... urls) throws Exception {
    int receiverPort = bridge.receiverPort();
    Path agent = Path.of(System.getProperty("agents.dir", "target/agents"), "dd-java-agent.jar");
    assertThat(agent).as("the real Datadog Java tracer (fetched by the build)").exists();
    Set<String> cp = new LinkedHashSet<>();
    cp.add(codeSource(HostApp.class));
    cp.add(codeSource(GlobalOpenTelemetry.class));
    cp.add(codeSource(Context.class));
    cp.add(codeSource(Class.forName("io.opentelemetry.common.ComponentLoader")));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-javaagent:" + agent.toAbsolutePath(), "-XX:TieredStopAtLevel=1", "-Xmx256m",
        "-Ddd.service=checkout-host", "-Ddd.env=e2e", "-Ddd.trace.otel.enabled=true",
        "-Ddd.trace.propagation.style=datadog,xray", "-Ddd.trace.flush.interval=0.1",
        "-Ddd.jmxfetch.enabled=false", "-Ddd.profiling.enabled=false", "-Ddd.trace.startup.logs=false",
        "-Ddd.telemetry.enabled=false", "-Ddd.remote.config.enabled=false",
        "-cp", String.join(File.pathSeparator, cp), HostApp.class.getName()));
    cmd.addAll(List.of(urls));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("DD_TRACE_AGENT_URL", "http://127.0.0.1:" + receiverPort);
    Process p = pb.start();
    List<String> lines = new ArrayList<>();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null && !line.equals("DONE")) lines.add(line);
    // both requests' traces (a server and a client span each) reach the receiver
    await().atMost(Duration.ofSeconds(30)).until(() -> bridge.ledger().receivedNative() >= 2 * 2);
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
    while ((line = r.readLine()) != null) lines.add(line);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("host app output: %s", lines).isZero();
    return lines;
  }

  private static String codeSource(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
