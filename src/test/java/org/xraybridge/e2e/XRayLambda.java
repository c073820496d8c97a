package org.xraybridge.e2e;

import com.amazonaws.xray.AWSXRayRecorder;
import com.amazonaws.xray.AWSXRayRecorderBuilder;
import com.amazonaws.xray.emitters.Emitter;
import com.amazonaws.xray.entities.Subsegment;
import com.amazonaws.xray.entities.TraceID;
import com.amazonaws.xray.strategy.sampling.AllSamplingStrategy;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The "Lambda" of the end-to-end tests: an HTTP handler that records its request as an X-Ray-traced
 * function would, with the real AWS X-Ray SDK for Java, and keeps the segment documents the SDK emits.
 */
final class XRayLambda {

  private XRayLambda() {}

  /** Plays a Lambda traced by X-Ray, with the real X-Ray SDK, and keeps the documents it emits. */
  static void play(HttpExchange ex, List<String> documents, Map<String, Map<String, String>> headersByPath, boolean writeDatadogMetadata)
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

  static String part(String header, String name) {
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
}
