package org.xraybridge.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged jar, started as an operator starts it ({@code java -Xmx512m -jar
 * target/xray-datadog-bridge.jar --key=value…}) in its own working directory, its output appended to
 * {@code bridge.log} there. Restartable with the same ports and data directory; {@link #kill9()} is
 * {@code SIGKILL} ({@link Process#destroyForcibly()} on Linux). Reads its health, metrics and
 * {@code /proc} entries. Every pid it starts is written to {@code pidFile}, so the bench script's exit
 * trap can kill what a crashed bench left behind.
 */
final class BridgeProcess implements AutoCloseable {
  static final JsonMapper JSON = JsonMapper.builder().build();

  final Path workDir;
  final int webPort;
  final int receiverPort;
  private final Path jar;
  private final List<String> jvmArgs;
  private final List<String> args;
  private final Map<String, String> env;
  private final Path pidFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private volatile Process process;
  private int starts;

  BridgeProcess(Path jar, Path workDir, int webPort, int receiverPort, List<String> jvmArgs, List<String> args,
      Map<String, String> env, Path pidFile) {
    this.jar = jar;
    this.workDir = workDir;
    this.webPort = webPort;
    this.receiverPort = receiverPort;
    this.jvmArgs = jvmArgs;
    this.args = args;
    this.env = env;
    this.pidFile = pidFile;
  }

  synchronized void start() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("--server.port=" + webPort);
    cmd.add("--bridge.receiver.port=" + receiverPort);
    cmd.addAll(args);
    Files.createDirectories(workDir);
    Path log = workDir.resolve("bridge.log");
    Files.writeString(log, "==== start " + (++starts) + ": " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("DD_") || k.startsWith("BRIDGE_") || k.startsWith("AWS_"));
    pb.environment().putAll(env);
    process = pb.start();
    PidFile.add(pidFile, process);
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Waits until health answers with the pipeline component; false after {@code bound}. */
  boolean awaitUp(Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive()) return false;
      JsonNode h = health();
      if (h != null && h.path("components").has("pipeline") && h.path("components").path("receiver").path("details").path("running").asBoolean(false)) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** SIGKILL, as the OOM killer or a node failure would; waits for the process to be gone. */
  void kill9() throws InterruptedException {
    Process p = process;
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM and the graceful stop; the exit code, or -1 if it had to be killed. */
  int terminate(Duration bound) throws InterruptedException {
    Process p = process;
    if (p == null || !p.isAlive()) return p == null ? -1 : p.exitValue();
    p.destroy();
    if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      return -1;
    }
    return p.exitValue();
  }

  @Override
  public void close() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@code /actuator/health} as JSON, or null when nothing answers. */
  JsonNode health() {
    String body = get("/actuator/health");
    if (body == null) return null;
    try {
      return JSON.readTree(body);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The pipeline component's details ({@code receivedNative}, …), or null. */
  JsonNode pipeline() {
    JsonNode h = health();
    return h == null ? null : h.path("components").path("pipeline").path("details");
  }

  /** A metric's first measurement from {@code /actuator/metrics/<name>?tag=…}; NaN when unavailable. */
  double metric(String name, String tag) {
    String body = get("/actuator/metrics/" + name + (tag == null ? "" : "?tag=" + tag));
    if (body == null) return Double.NaN;
    try {
      return JSON.readTree(body).path("measurements").path(0).path("value").asDouble(Double.NaN);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /** {@code /actuator/metrics/<name>?tag=…} as JSON; null when unavailable (no such meter yet). */
  JsonNode metricJson(String name, String tag) {
    String body = get("/actuator/metrics/" + name + (tag == null ? "" : "?tag=" + tag));
    if (body == null) return null;
    try {
      return JSON.readTree(body);
    } catch (RuntimeException e) {
      return null;
    }
  }

  String get(String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + path))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 || r.statusCode() == 503 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A {@code /proc/<pid>/status} field in kB ({@code VmRSS}, {@code VmHWM}); -1 when unreadable. */
  long procStatusKb(String field) {
    return procStatusKb(pid(), field);
  }

  static long procStatusKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field + ":")) return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** CPU time (user + system) of a process, in seconds, from {@code /proc/<pid>/stat}; -1 when unreadable. */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
      return ticks / 100.0; // USER_HZ is 100 on Linux
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Whole-machine CPU time (all cores, non-idle) in seconds, from {@code /proc/stat}. */
  static double machineBusySeconds() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length; i++) if (i != 4 && i != 5) busy += Long.parseLong(f[i]); // not idle, iowait
      return busy / 100.0;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Every child process the bench starts: its pid is appended to the pid file (the bench scripts kill
   * what is listed there on exit, even after a kill -9 of the bench itself), and a shutdown hook kills
   * the ones still running when the bench JVM exits.
   */
  static final class PidFile {
    private static final List<Process> CHILDREN = new ArrayList<>();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        synchronized (CHILDREN) {
          for (Process p : CHILDREN) if (p.isAlive()) p.destroyForcibly();
        }
      }, "kill-children"));
    }

    static void add(Path file, Process p) throws IOException {
      synchronized (CHILDREN) {
        CHILDREN.removeIf(c -> !c.isAlive());
        CHILDREN.add(p);
      }
      if (file == null) return;
      synchronized (PidFile.class) {
        Files.writeString(file, p.pid() + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    }
  }
}
