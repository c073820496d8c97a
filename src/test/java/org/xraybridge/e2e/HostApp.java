package org.xraybridge.e2e;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * The "host" of the end-to-end test, run in a child JVM under the real dd-java-agent with X-Ray
 * propagation on: for each URL given, one request trace whose HTTP client call (instrumented by the
 * agent, which injects {@code X-Amzn-Trace-Id}) reaches the test's "Lambda". Prints the trace ids.
 */
public final class HostApp {
  private HostApp() {}

  public static void main(String[] args) throws Exception {
    Tracer tracer = GlobalOpenTelemetry.getTracer("e2e-host");
    for (String target : args) {
      Span root = tracer.spanBuilder("POST /checkout").setSpanKind(SpanKind.SERVER)
          .setAttribute("operation.name", "checkout.request").startSpan();
      int status;
      try (Scope s = root.makeCurrent()) {
        HttpURLConnection c = (HttpURLConnection) new URL(target).openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        try (OutputStream out = c.getOutputStream()) {
          out.write("{\"order\":\"o-1\"}".getBytes(StandardCharsets.UTF_8));
        }
        status = c.getResponseCode();
        c.getInputStream().readAllBytes();
      }
      root.end();
      System.out.println("TRACE " + target + " " + root.getSpanContext().getTraceId() + " " + status);
    }
    System.out.println("DONE");
    System.out.flush();
    // stay up until the test has seen the agent's writer deliver the traces
    new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
  }
}
