package org.xraybridge.receiver;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.context.Context;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link TracedApp} in a child JVM under the real dd-java-agent ({@code target/agents}), with {@code
 * DD_TRACE_AGENT_URL} pointing at {@code port}, as a platform team points a service at the bridge.
 * Its output lines are collected as they come.
 */
final class TracerProcess {

  private TracerProcess() {}

  /** The agent jar the build fetched; fails with how to get it when missing. */
  static Path agentJar() {
    Path jar = Path.of(System.getProperty("agents.dir", "target/agents"), "dd-java-agent.jar");
    if (!jar.toFile().exists()) {
      throw new IllegalStateException("dd-java-agent.jar: the build copies it into target/agents (maven-dependency-plugin, "
          + "phase generate-test-resources); run the tests through ./mvnw");
    }
    return jar;
  }

  /** Started with the usual tracer settings and {@code extra} {@code -D} options (later ones win). */
  static Process start(Path agentJar, int port, List<String> extra, List<String> out, List<String> err) throws IOException {
    Set<String> classpath = new LinkedHashSet<>();
    classpath.add(codeSource(TracedApp.class));
    classpath.add(codeSource(GlobalOpenTelemetry.class));
    classpath.add(codeSource(Context.class));
    classpath.add(codeSource(classNamed("io.opentelemetry.common.ComponentLoader")));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-javaagent:" + agentJar.toAbsolutePath(),
        "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xmx256m",
        "-Ddd.service=tiny-app", "-Ddd.env=receiver-test", "-Ddd.version=3.1.4", "-Ddd.tags=team:receiver",
        "-Ddd.trace.otel.enabled=true",
        "-Ddd.trace.flush.interval=0.1",
        "-Ddd.jmxfetch.enabled=false", "-Ddd.trace.startup.logs=false"));
    command.addAll(extra);
    command.addAll(List.of("-cp", String.join(File.pathSeparator, classpath), TracedApp.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("DD_TRACE_AGENT_URL", "http://127.0.0.1:" + port);
    Process p = pb.start();
    pump(p.getInputStream(), out);
    pump(p.getErrorStream(), err);
    return p;
  }

  private static void pump(InputStream in, List<String> into) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) into.add(line);
      } catch (IOException ignored) {
        // the process ended
      }
    }, "traced-app-output");
    t.setDaemon(true);
    t.start();
  }

  private static String codeSource(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Class<?> classNamed(String name) {
    try {
      return Class.forName(name);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(name + " should be on the test classpath (opentelemetry-common)", e);
    }
  }
}
