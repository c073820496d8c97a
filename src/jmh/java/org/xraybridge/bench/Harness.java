package org.xraybridge.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.xraybridge.testing.BridgeProcess;
import tools.jackson.databind.JsonNode;

/**
 * What the load and soak benches share: settings from the environment, free ports, the drain-only
 * baseline process, the bridge under test wired to the fake Agent and the X-Ray emulator, a one-second
 * sampler of the bridge's health, heap and RSS, the quiet period, and the ledger identity.
 */
final class Harness {

  // ---- settings (environment variables, documented in bench/load.sh and bench/soak-faults.sh) ----

  static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v.strip();
  }

  static double envDouble(String name, double dflt) {
    String v = env(name, "");
    if (v.isEmpty()) return dflt;
    if (v.equalsIgnoreCase("max")) return 0;
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": expected a number, got '" + v + "'");
    }
  }

  static int envInt(String name, int dflt) {
    return (int) envDouble(name, dflt);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  static String machine() {
    StringBuilder b = new StringBuilder();
    b.append(Runtime.getRuntime().availableProcessors()).append(" CPUs");
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          b.append(" (").append(line.substring(line.indexOf(':') + 1).strip()).append(')');
          break;
        }
      }
      String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
      b.append(", load average before the run ").append(load[0]).append(' ').append(load[1]).append(' ').append(load[2]);
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal")) b.append(", ").append(Long.parseLong(line.replaceAll("\\D", "")) / 1024 / 1024).append(" GB RAM");
      }
    } catch (IOException | RuntimeException e) {
      // best effort
    }
    b.append(", JDK ").append(System.getProperty("java.version"));
    return b.toString();
  }

  // ---- the drain-only ceiling ----

  /** A {@link DrainServer} in its own JVM with the bridge's heap flags; stop with {@link Process#destroy()}. */
  static Process startDrainServer(int port, List<String> jvmArgs, Path pidFile) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(DrainServer.class.getName());
    cmd.add(Integer.toString(port));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BridgeProcess.Children.add(pidFile, p);
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("ready")) break;
      if (System.nanoTime() > deadline) break;
    }
    if (line == null || !line.startsWith("ready")) {
      p.destroyForcibly();
      throw new IllegalStateException("the drain-only server did not start");
    }
    Thread drain = new Thread(() -> {
      try {
        while (r.readLine() != null) {
          // keep the pipe empty
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "drain-server-output");
    drain.setDaemon(true);
    drain.start();
    return p;
  }

  // ---- the bridge under test ----

  static List<String> bridgeJvmArgs() {
    return List.of(env("BRIDGE_JVM_OPTS", "-Xmx512m -XX:+ExitOnOutOfMemoryError").split("\\s+"));
  }

  /**
   * The bridge as the benches run it: agent mode to the fake Agent, the X-Ray source on the bench's
   * emulator through {@code bridge.xray.source=aws} with an endpoint override and the documented
   * example key pair (the emulator checks no signature), short poll interval and lag so the X-Ray half
   * keeps up with a one-minute run. Everything else is the default an operator gets.
   */
  static BridgeProcess bridge(Path jar, Path workDir, int agentPort, String xrayEndpoint, Path pidFile) throws IOException {
    return bridge(jar, workDir, agentPort, xrayEndpoint, pidFile, List.of());
  }

  /** {@link #bridge(Path, Path, int, String, Path)} with {@code more} arguments (kafka mode's, for one). */
  static BridgeProcess bridge(Path jar, Path workDir, int agentPort, String xrayEndpoint, Path pidFile, List<String> more)
      throws IOException {
    List<String> args = new ArrayList<>(List.of(
        "--bridge.forward.target=agent",
        "--bridge.forward.agent-url=http://127.0.0.1:" + agentPort,
        "--bridge.xray.source=aws",
        "--bridge.xray.endpoint=" + xrayEndpoint,
        "--bridge.xray.region=us-east-1",
        "--bridge.xray.poll-interval=" + env("XRAY_POLL_INTERVAL", "2s"),
        "--bridge.xray.lag=" + env("XRAY_LAG", "2s"),
        "--bridge.xray.overlap=" + env("XRAY_OVERLAP", "20s")));
    args.addAll(more);
    String extra = env("BRIDGE_ARGS", "");
    if (!extra.isEmpty()) args.addAll(List.of(extra.split("\\s+")));
    Map<String, String> environment = Map.of(
        "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_REGION", "us-east-1",
        "DD_ENV", "bench");
    return BridgeProcess.in(workDir).jar(jar).jvmArgs(bridgeJvmArgs()).args(args).env(environment).pidFile(pidFile).build();
  }

  // ---- sampling ----

  /** One second of the bridge as seen from outside. */
  record Sample(double atSeconds, long rssKb, double heapUsedBytes, double liveAfterGcBytes, long inFlight, long queuedBytes,
      long spoolSpans, long spoolBytes, String circuit, String xrayState, long forwarded, long receivedNative, boolean up) {}

  /** Samples the bridge once a second on its own thread until {@link #stop()}. */
  static final class Sampler implements Runnable {
    final List<Sample> samples = new ArrayList<>();
    private final long t0;
    private volatile BridgeProcess bridge;
    private volatile boolean running = true;
    private final Thread thread;
    final List<Runnable> everySecond = new ArrayList<>();

    Sampler(BridgeProcess bridge, long t0) {
      this.bridge = bridge;
      this.t0 = t0;
      this.thread = new Thread(this, "bridge-sampler");
      thread.setDaemon(true);
    }

    Sampler start() {
      thread.start();
      return this;
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(10_000);
    }

    @Override
    public void run() {
      long next = System.nanoTime();
      while (running) {
        next += 1_000_000_000L;
        Sample s = sample(bridge, t0);
        synchronized (this) {
          samples.add(s);
        }
        for (Runnable r : everySecond) r.run();
        long wait = next - System.nanoTime();
        if (wait > 0) {
          try {
            Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    synchronized List<Sample> snapshot() {
      return new ArrayList<>(samples);
    }

    synchronized Sample last() {
      return samples.isEmpty() ? null : samples.get(samples.size() - 1);
    }
  }

  static Sample sample(BridgeProcess bridge, long t0) {
    double at = (System.nanoTime() - t0) / 1e9;
    if (!bridge.alive()) return new Sample(at, -1, Double.NaN, Double.NaN, -1, -1, -1, -1, "", "", -1, -1, false);
    long rss = bridge.procStatusKb("VmRSS");
    double heap = bridge.metric("jvm.memory.used", "area:heap");
    double live = bridge.metric("jvm.gc.live.data.size", null);
    JsonNode h = bridge.health();
    if (h == null) return new Sample(at, rss, heap, live, -1, -1, -1, -1, "", "", -1, -1, false);
    JsonNode c = h.path("components");
    JsonNode p = c.path("pipeline").path("details");
    JsonNode f = c.path("forward").path("details");
    return new Sample(at, rss, heap, live, p.path("inFlight").asLong(-1), f.path("queuedBytes").asLong(-1),
        f.path("spoolSpans").asLong(-1), f.path("spoolBytes").asLong(-1), f.path("circuitState").asString(""),
        xray(c.path("xray")),
        p.path("forwarded").asLong(-1), p.path("receivedNative").asLong(-1), true);
  }

  /**
   * The details of the X-Ray component's first source ({@code details.sources.<name>}, one per polled
   * source since issue 17); the bench runs one source.
   */
  static JsonNode xraySource(JsonNode component) {
    JsonNode sources = component.path("details").path("sources");
    for (JsonNode one : sources) return one;
    return component.path("details");
  }

  /** The poller in a few words: health status, last outcome, cursor lag, circuit. */
  static String xray(JsonNode component) {
    JsonNode d = xraySource(component);
    String lag = d.path("cursorLag").asString("");
    try {
      lag = String.format(Locale.ROOT, "%.0fs", Duration.parse(lag).toMillis() / 1000.0);
    } catch (RuntimeException e) {
      // keep the text
    }
    return component.path("status").asString("?") + " " + d.path("lastOutcome").asString("?") + " lag " + lag
        + ("CLOSED".equals(d.path("circuitState").asString("")) ? "" : " circuit " + d.path("circuitState").asString("?"));
  }

  // ---- the quiet period and the identity ----

  /** The ledger totals read from {@code /actuator/health}'s pipeline component. */
  record Ledger(long receivedNative, long receivedXRayPoll, long receivedXRayDaemon, long receivedXRayLogs, long recovered,
      long forwarded, long dropped, Map<String, Long> drops, long inFlight) {

    static Ledger of(JsonNode p) {
      Map<String, Long> drops = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = p.path("drops").properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        drops.put(e.getKey(), e.getValue().asLong());
      }
      return new Ledger(p.path("receivedNative").asLong(), p.path("receivedXRayPoll").asLong(), p.path("receivedXRayDaemon").asLong(),
          p.path("receivedXRayLogs").asLong(), p.path("recovered").asLong(), p.path("forwarded").asLong(), p.path("dropped").asLong(), drops, p.path("inFlight").asLong());
    }

    long in() {
      return receivedNative + receivedXRayPoll + receivedXRayDaemon + receivedXRayLogs + recovered;
    }

    long out() {
      return forwarded + dropped + inFlight;
    }

    long dropsSum() {
      long s = 0;
      for (long v : drops.values()) s += v;
      return s;
    }

    long dropsAt(String stagePrefix) {
      long s = 0;
      for (Map.Entry<String, Long> e : drops.entrySet()) if (e.getKey().startsWith(stagePrefix)) s += e.getValue();
      return s;
    }

    boolean holds() {
      return in() == out() && dropsSum() == dropped;
    }

    String describe() {
      return String.format(Locale.ROOT, "received %,d (native %,d + polled %,d%s%s) + recovered %,d = forwarded %,d + dropped %,d %s + in flight %,d",
          receivedNative + receivedXRayPoll + receivedXRayDaemon + receivedXRayLogs, receivedNative, receivedXRayPoll,
          receivedXRayDaemon > 0 ? " + daemon " + receivedXRayDaemon : "", receivedXRayLogs > 0 ? " + logs " + receivedXRayLogs : "", recovered, forwarded, dropped, drops, inFlight);
    }
  }

  /**
   * Waits until the bridge holds nothing ({@code inFlight == 0}), the poller has taken every X-Ray span
   * the emulator holds (or {@code xrayExpected} stopped mattering), and the fake Agent's count has not
   * moved for three seconds; at most {@code bound}. Returns the seconds it took, negative when the
   * bound passed first.
   */
  static double quiet(BridgeProcess bridge, FakeAgent agent, long xrayExpected, Duration bound) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + bound.toNanos();
    long lastCount = -1;
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      JsonNode p = bridge.pipeline();
      long count = agent.spans.get();
      if (count != lastCount) {
        lastCount = count;
        stableSince = System.nanoTime();
      }
      if (p != null) {
        Ledger l = Ledger.of(p);
        boolean xrayDone = l.receivedXRayPoll + l.dropsAt("poll.") >= xrayExpected;
        if (l.inFlight == 0 && xrayDone && System.nanoTime() - stableSince > 3_000_000_000L) {
          return (System.nanoTime() - start) / 1e9;
        }
      }
      Thread.sleep(250);
    }
    return -(System.nanoTime() - start) / 1e9;
  }

  /** Lost, duplicated and unexpected spans by sequence number. */
  record ById(long expected, long received, long lost, long lostNative, long lostXRay, long duplicated, long unexpected,
      long deliveredUnacked) {}

  /**
   * Native spans acknowledged with 200 plus X-Ray spans the emulator stored are expected; the fake
   * Agent's set is what arrived. {@code unexpected} arrived but were neither (none should);
   * {@code deliveredUnacked} arrived though their request got no 200 (the bridge took them and the
   * answer was lost — a kill or a broken connection — or answered 429 after taking part of them).
   */
  static ById byId(SeqSet acked, SeqSet unacked, SeqSet xray, FakeAgent agent) {
    SeqSet got = agent.received;
    long expected = 0, lostN = 0, lostX = 0, unexpected = 0, deliveredUnacked = 0, received = 0;
    int words = got.words();
    for (int i = 0; i < words; i++) {
      long a = acked.word(i), u = unacked.word(i), x = xray.word(i), g = got.word(i);
      expected += Long.bitCount(a | x);
      received += Long.bitCount(g);
      lostN += Long.bitCount(a & ~g);
      lostX += Long.bitCount(x & ~g);
      deliveredUnacked += Long.bitCount(g & u & ~a);
      unexpected += Long.bitCount(g & ~a & ~x & ~u);
    }
    return new ById(expected, received, lostN + lostX, lostN, lostX, agent.duplicates.get(), unexpected + agent.foreign.get(),
        deliveredUnacked);
  }

  static String mb(double bytes) {
    return Double.isNaN(bytes) || bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MB", bytes / 1024 / 1024);
  }

  static String ratio(double a, double b) {
    return b == 0 || Double.isNaN(a) || Double.isNaN(b) ? "n/a" : String.format(Locale.ROOT, "%.2f", a / b);
  }

  /** {@code a / b} as a percentage with enough digits for small fractions. */
  static String percent(double a, double b) {
    return b == 0 ? "n/a" : String.format(Locale.ROOT, "%.4f %%", 100 * a / b);
  }

  /** "+a..+b s" ranges of the seconds where {@code perSecond} is non-zero, with their sums. */
  static String secondsWith(java.util.concurrent.atomic.AtomicLongArray perSecond) {
    StringBuilder b = new StringBuilder();
    int start = -1;
    long sum = 0;
    for (int i = 0; i <= perSecond.length(); i++) {
      long v = i < perSecond.length() ? perSecond.get(i) : 0;
      if (v > 0) {
        if (start < 0) start = i;
        sum += v;
      } else if (start >= 0) {
        if (b.length() > 0) b.append(", ");
        b.append(String.format(Locale.ROOT, "+%d..+%d s: %,d", start, i, sum));
        start = -1;
        sum = 0;
      }
    }
    return b.toString();
  }

  static AtomicLong newSequence() {
    return new AtomicLong(1); // sequence 0 is never used: its id would be 0
  }
}
