package org.xraybridge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.context.Context;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.xraybridge.config.TestPipelines;

/**
 * The host app of the end-to-end tests ({@link HostApp}) in a child JVM under the real
 * dd-java-agent, X-Ray propagation on, sending its spans to a bridge's receiver.
 */
final class TracedHost {

  private TracedHost() {}

  /** Runs the host app until it printed its traces and the bridge took their spans in; returns its output. */
  static List<String> run(TestPipelines.Running bridge, String... urls) throws Exception {
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
    // every request's trace (a server and a client span each) reaches the receiver
    await().atMost(Duration.ofSeconds(30)).until(() -> bridge.ledger().receivedNative() >= 2L * urls.length);
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
    while ((line = r.readLine()) != null) lines.add(line);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("host app output: %s", lines).isZero();
    return lines;
  }

  static String codeSource(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
