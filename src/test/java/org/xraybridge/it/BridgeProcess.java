package org.xraybridge.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged jar started as a user starts it: its own working directory, environment and ports. */
final class BridgeProcess implements AutoCloseable {

  final Process process;
  final Path workDir;
  final Path log;
  final int webPort;
  final int receiverPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private BridgeProcess(Process process, Path workDir, Path log, int webPort, int receiverPort) {
    this.process = process;
    this.workDir = workDir;
    this.log = log;
    this.webPort = webPort;
    this.receiverPort = receiverPort;
  }

  static BridgeProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
    return start(workDir, freePort(), env, args);
  }

  static BridgeProcess start(Path workDir, int receiverPort, Map<String, String> env, String... args) throws IOException {
    Path jar = Path.of(System.getProperty("jar.path", "target/xray-datadog-bridge.jar")).toAbsolutePath();
    if (!Files.exists(jar)) throw new IllegalStateException("no packaged jar at " + jar + " (run ./mvnw verify)");
    int web = freePort();
    int receiver = receiverPort;
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString(),
        "--server.port=" + web, "--bridge.receiver.port=" + receiver));
    cmd.addAll(List.of(args));
    Files.createDirectories(workDir);
    Path log = workDir.resolve("bridge.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("DD_") || k.startsWith("BRIDGE_") || k.startsWith("AWS_"));
    pb.environment().putAll(env);
    return new BridgeProcess(pb.start(), workDir, log, web, receiver);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** GET on the web port; status 0 and "" when nothing answers yet. */
  Response get(String path) {
    try {
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Response(0, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Response(0, "");
    }
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** Waits for the process to end by itself; its exit code, or -1 if it did not within the bound. */
  int awaitExit(Duration bound) throws InterruptedException {
    return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** SIGTERM, as an orchestrator stops a container; waits for the graceful stop. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) process.destroyForcibly();
  }

  record Response(int status, String body) {}
}
