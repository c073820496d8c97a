package org.xraybridge.receiver;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The tiny application {@link RealTracerTest} runs in a child JVM under the real dd-java-agent. It
 * makes its spans with the OpenTelemetry API, which the agent turns into Datadog spans
 * ({@code dd.trace.otel.enabled}); reserved attributes set the Datadog operation name and span type.
 *
 * <p>Trace 1: {@code tiny.request} (server, tags of each type) → {@code tiny.load} → {@code tiny.query}
 * (client, type sql), and {@code tiny.charge} under the root, failing with an exception. Then it
 * waits for a line on stdin — sent once the receiver has taken trace 1 — and makes trace 2, so the
 * test sees the tracer send again after the receiver's first answer. It prints every id it made.
 */
public final class TracedApp {
  private TracedApp() {}

  public static void main(String[] args) throws Exception {
    Tracer tracer = GlobalOpenTelemetry.getTracer("receiver-test");

    Span root = tracer.spanBuilder("GET /orders/{id}").setSpanKind(SpanKind.SERVER)
        .setAttribute("operation.name", "tiny.request").startSpan();
    try (Scope r = root.makeCurrent()) {
      root.setAttribute("order.id", "o-42");
      root.setAttribute("customer.vip", true);
      root.setAttribute("cart.items", 3L);
      root.setAttribute("cart.total", 59.97);
      Span load = tracer.spanBuilder("load order").setAttribute("operation.name", "tiny.load").startSpan();
      try (Scope l = load.makeCurrent()) {
        Span query = tracer.spanBuilder("SELECT * FROM orders").setSpanKind(SpanKind.CLIENT)
            .setAttribute("operation.name", "tiny.query").setAttribute("span.type", "sql").startSpan();
        print("SPAN tiny.query " + query.getSpanContext().getSpanId());
        query.end();
      }
      print("SPAN tiny.load " + load.getSpanContext().getSpanId());
      load.end();
      Span charge = tracer.spanBuilder("charge card").setAttribute("operation.name", "tiny.charge").startSpan();
      charge.recordException(new IllegalStateException("card declined"));
      charge.setStatus(StatusCode.ERROR, "card declined");
      print("SPAN tiny.charge " + charge.getSpanContext().getSpanId());
      charge.end();
    }
    print("SPAN tiny.request " + root.getSpanContext().getSpanId());
    print("TRACE 1 " + root.getSpanContext().getTraceId());
    root.end();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String go = in.readLine();
    if (go == null) return;

    Span second = tracer.spanBuilder("second").setAttribute("operation.name", "tiny.second").startSpan();
    print("SPAN tiny.second " + second.getSpanContext().getSpanId());
    print("TRACE 2 " + second.getSpanContext().getTraceId());
    second.end();
    // the agent flushes what is pending when the JVM shuts down
  }

  private static void print(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
