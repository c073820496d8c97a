package org.xraybridge.testing;

import java.io.IOException;
import java.net.ServerSocket;
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
 * The packaged jar, started as an operator starts it ({@code java -jar target/xray-datadog-bridge.jar
 * --key=value…}) in its own working directory, with a clean environment, its output appended to
 * {@code bridge.log} there. Restartable on the same ports and data directory; {@link #kill9()} is
 * {@code SIGKILL}. Reads its health, metrics and {@code /proc} entries. Every pid it starts is kept in
 * a shutdown hook (and in {@code pidFile} when given), so nothing outlives the test or bench JVM. The
 * one child-process bridge of the integration tests and the benches.
 */
public final class BridgeProcess implements AutoCloseable {
  public static final JsonMapper JSON = JsonMapper.builder().build();

  public final Path workDir;
  public final Path log;
  public final int webPort;
  public final int receiverPort;
  private final Path jar;
  private final List<String> jvmArgs;
  private final List<String> args;
  private final Map<String, String> env;
  private final Path pidFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private volatile Process process;
  private int starts;

  private BridgeProcess(Builder b) {
    this.jar = b.jar;
    this.workDir = b.workDir;
    this.log = b.workDir.resolve("bridge.log");
    this.webPort = b.webPort;
    this.receiverPort = b.receiverPort;
    this.jvmArgs = List.copyOf(b.jvmArgs);
    this.args = List.copyOf(b.args);
    this.env = Map.copyOf(b.env);
    this.pidFile = b.pidFile;
  }

  /** A bridge to run in {@code workDir}: the jar Maven packaged, free ports, {@code -Xmx256m}. */
  public static Builder in(Path workDir) {
    return new Builder(workDir);
  }

  /** What to start; each setter returns the builder. */
  public static final class Builder {
    private final Path workDir;
    private Path jar = Path.of(System.getProperty("jar.path", "target/xray-datadog-bridge.jar")).toAbsolutePath();
    private int webPort = -1;
    private int receiverPort = -1;
    private List<String> jvmArgs = List.of("-Xmx256m");
    private final List<String> args = new ArrayList<>();
    private Map<String, String> env = Map.of();
    private Path pidFile;

    private Builder(Path workDir) {
      this.workDir = workDir;
    }

    public Builder jar(Path v) { jar = v; return this; }
    public Builder webPort(int v) { webPort = v; return this; }
    public Builder receiverPort(int v) { receiverPort = v; return this; }
    public Builder jvmArgs(List<String> v) { jvmArgs = v; return this; }
    public Builder args(String... v) { args.addAll(List.of(v)); return this; }
    public Builder args(List<String> v) { args.addAll(v); return this; }
    public Builder env(Map<String, String> v) { env = v; return this; }
    public Builder pidFile(Path v) { pidFile = v; return this; }

    /** The process description, not started. */
    public BridgeProcess build() throws IOException {
      if (!Files.exists(jar)) throw new IllegalStateException("no packaged jar at " + jar + " (run ./mvnw package)");
      if (webPort < 0) webPort = freePort();
      if (receiverPort < 0) receiverPort = freePort();
      return new BridgeProcess(this);
    }

    /** Built and started. */
    public BridgeProcess start() throws IOException {
      BridgeProcess b = build();
      b.start();
      return b;
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts (or starts again, after a stop or a kill) on the same ports and directory. */
  public synchronized void start() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("--server.port=" + webPort);
    cmd.add("--bridge.receiver.port=" + receiverPort);
    cmd.addAll(args);
    Files.createDirectories(workDir);
    Files.writeString(log, "==== start " + (++starts) + ": " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("DD_") || k.startsWith("BRIDGE_") || k.startsWith("AWS_"));
    pb.environment().putAll(env);
    process = pb.start();
    Children.add(pidFile, process);
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Waits until health answers with the pipeline component and a running receiver; false after {@code bound}. */
  public boolean awaitUp(Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive()) return false;
      JsonNode h = health();
      if (h != null && h.path("components").has("pipeline")
          && h.path("components").path("receiver").path("details").path("running").asBoolean(false)) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** Waits for the process to end by itself; its exit code, or -1 if it did not within the bound. */
  public int awaitExit(Duration bound) throws InterruptedException {
    Process p = process;
    return p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
  }

  /** SIGKILL, as the OOM killer or a node failure would; waits for the process to be gone. */
  public void kill9() throws InterruptedException {
    Process p = process;
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, as an orchestrator stops a container, and the graceful stop; the exit code, or -1 if it had to be killed. */
  public int terminate(Duration bound) throws InterruptedException {
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

  public int terminate() throws InterruptedException {
    return terminate(Duration.ofSeconds(60));
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

  /** Everything the process wrote so far. */
  public String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /**
   * GET on the web port; status 0 and "" when nothing answers, {@code error} saying why. A GET that fails in
   * transport is tried once more on a new connection: a kept-alive connection can be closed under a
   * request, which a probe or a browser retries too, and is not what a test here asks about.
   */
  public Response response(String path) {
    IOException failed = null;
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + path))
            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), "");
      } catch (IOException e) {
        failed = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Response(0, "", "interrupted");
      }
    }
    return new Response(0, "", "no answer: " + failed);
  }

  /** The body of a GET answered 200 (or 503, as health answers when down); null otherwise. */
  public String body(String path) {
    Response r = response(path);
    return r.status() == 200 || r.status() == 503 ? r.body() : null;
  }

  /** {@code /actuator/health} as JSON, or null when nothing answers. */
  public JsonNode health() {
    return json(body("/actuator/health"));
  }

  /** The pipeline component's details ({@code receivedNative}, …), or a missing node. */
  public JsonNode pipeline() {
    JsonNode h = health();
    return h == null ? null : h.path("components").path("pipeline").path("details");
  }

  /** A metric's first measurement from {@code /actuator/metrics/<name>?tag=…}; NaN when unavailable. */
  public double metric(String name, String tag) {
    JsonNode m = metricJson(name, tag);
    return m == null ? Double.NaN : m.path("measurements").path(0).path("value").asDouble(Double.NaN);
  }

  /** {@code /actuator/metrics/<name>?tag=…} as JSON; null when unavailable (no such meter yet). */
  public JsonNode metricJson(String name, String tag) {
    return json(body("/actuator/metrics/" + name + (tag == null ? "" : "?tag=" + tag)));
  }

  private static JsonNode json(String body) {
    if (body == null) return null;
    try {
      return JSON.readTree(body);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** A {@code /proc/<pid>/status} field in kB ({@code VmRSS}, {@code VmHWM}); -1 when unreadable. */
  public long procStatusKb(String field) {
    return procStatusKb(pid(), field);
  }

  public static long procStatusKb(long pid, String field) {
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
  public static double cpuSeconds(long pid) {
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
  public static double machineBusySeconds() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length; i++) if (i != 4 && i != 5) busy += Long.parseLong(f[i]); // not idle, iowait
      return busy / 100.0;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** An answer; {@code error} is "" unless nothing answered. */
  public record Response(int status, String body, String error) {}

  /**
   * Every child process started here or by the benches: a shutdown hook kills the ones still running
   * when this JVM exits, and a pid file (when given) lets a bench script's exit trap kill what a
   * crashed bench left behind.
   */
  public static final class Children {
    private static final List<Process> CHILDREN = new ArrayList<>();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        synchronized (CHILDREN) {
          for (Process p : CHILDREN) if (p.isAlive()) p.destroyForcibly();
        }
      }, "kill-children"));
    }

    private Children() {}

    public static void add(Path pidFile, Process p) throws IOException {
      synchronized (CHILDREN) {
        CHILDREN.removeIf(c -> !c.isAlive());
        CHILDREN.add(p);
      }
      if (pidFile == null) return;
      synchronized (Children.class) {
        Files.writeString(pidFile, p.pid() + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    }
  }
}
