package org.xraybridge.bench;

import static org.xraybridge.bench.Harness.env;
import static org.xraybridge.bench.Harness.envInt;
import static org.xraybridge.bench.Harness.ratio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.xraybridge.testing.BridgeProcess;
import org.xraybridge.testing.RawHttp;
import tools.jackson.databind.JsonNode;

/**
 * {@code bench/slow-clients.sh}: the packaged bridge with its default limits, attacked as issue 20
 * describes, while a tracer (a new connection from its own loopback address, retrying every second as
 * tracers do) sends a trace every second. For each scenario: how long the tracer waited for its 200
 * (median and worst, and the worst as a ratio of the same tracer's unattacked baseline), the
 * receiver's open connections at the worst sample, the bridge's peak RSS and heap, and the connection
 * counters. Then a body trickled a byte a second, a management-port probe beside silent connections,
 * and a UDP junk flood at fixed rates beside good segments (datagrams read by outcome, kernel drops).
 *
 * <p>The attacker is patient: a silent connection the bridge closes is opened again at once.
 */
public final class SlowClientsBench {

  private static final int HOLD = envInt("HOLD", 25);
  private static final String TRACER = "127.0.0.9";
  private static final byte[] HALF = "PUT /v0.4/traces HTTP/1.1\r\nContent-Type: application/msgpack\r\n"
      .getBytes(StandardCharsets.US_ASCII);
  /** An empty v0.4 payload: what dd-java-agent sends to probe the endpoint. */
  private static final byte[] TRACE = {(byte) 0x90};

  private SlowClientsBench() {}

  /** What one scenario measured. */
  record Figures(String name, long[] waitsMillis, int peakOpen, long peakRssKb, double peakHeap, String counters) {
    long median() {
      long[] w = waitsMillis.clone();
      Arrays.sort(w);
      return w.length == 0 ? -1 : w[w.length / 2];
    }

    long worst() {
      return Arrays.stream(waitsMillis).max().orElse(-1);
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(env("OUT", "target/bench/slow-clients"));
    Path jar = Path.of(env("JAR", "target/xray-datadog-bridge.jar")).toAbsolutePath();
    int udpPort = Harness.freePort();
    try (BridgeProcess bridge = BridgeProcess.in(out.resolve("bridge")).jar(jar)
        .jvmArgs(List.of(env("BRIDGE_JVM_OPTS", "-Xmx256m"), "-XX:+ExitOnOutOfMemoryError"))
        .args("--bridge.demo.enabled=false", "--bridge.daemon.enabled=true", "--bridge.daemon.port=" + udpPort)
        .pidFile(Path.of(env("PID_FILE", out.resolve("pids").toString()))).start()) {
      if (!bridge.awaitUp(java.time.Duration.ofSeconds(60))) throw new IllegalStateException("the bridge did not start; see " + bridge.log);
      System.out.println(Harness.machine());
      System.out.printf(Locale.ROOT, "jar %s; each attack held %d s; the tracer sends a trace each second%n%n", jar, HOLD);
      List<Figures> all = new ArrayList<>();
      Figures baseline = attack(bridge, "baseline (no attack)", 0, 0, false);
      all.add(baseline);
      all.add(attack(bridge, "1,500 silent half requests, one address", 1_500, 1, false));
      all.add(attack(bridge, "2,000 silent half requests, four addresses", 2_000, 4, false));
      all.add(attack(bridge, "2,000 idle kept-alive connections, four addresses", 2_000, 4, true));
      System.out.printf(Locale.ROOT, "%-50s %8s %8s %10s %8s %10s %9s  %s%n", "scenario", "median", "worst", "worst/base",
          "open", "RSS", "heap", "connection counters (delta)");
      for (Figures f : all) {
        System.out.printf(Locale.ROOT, "%-50s %6d ms %6d ms %10s %8d %7d MB %6.0f MB  %s%n", f.name, f.median(), f.worst(),
            ratio(f.worst(), Math.max(1, baseline.worst())), f.peakOpen, f.peakRssKb / 1024, f.peakHeap / 1024 / 1024, f.counters);
      }
      trickle(bridge);
      management(bridge);
      udp(bridge, udpPort, envInt("UDP_RATE", 10_000));
      udp(bridge, udpPort, envInt("UDP_RATE_HIGH", 50_000));
    }
  }

  /**
   * {@code connections} silent ones (half a request line, or one whole request then idle when {@code
   * idle}) from {@code addresses} loopback addresses, reopened at once when closed, held {@link #HOLD}
   * seconds while the tracer sends.
   */
  private static Figures attack(BridgeProcess bridge, String name, int connections, int addresses, boolean idle) throws Exception {
    JsonNode before = receiver(bridge);
    AtomicBoolean running = new AtomicBoolean(true);
    Thread attacker = new Thread(() -> hold(bridge.receiverPort, connections, addresses, idle, running), "attacker");
    attacker.setDaemon(true);
    attacker.start();
    LockSupport.parkNanos(2_000_000_000L); // the attack in place first
    List<Long> waits = new ArrayList<>();
    int peakOpen = 0;
    long peakRss = 0;
    double peakHeap = 0;
    long end = System.nanoTime() + (long) (connections == 0 ? 10 : HOLD) * 1_000_000_000L;
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      waits.add(tracerWait(bridge.receiverPort, 70_000));
      JsonNode r = receiver(bridge);
      peakOpen = Math.max(peakOpen, r.path("openConnections").asInt());
      peakRss = Math.max(peakRss, bridge.procStatusKb("VmRSS"));
      peakHeap = Math.max(peakHeap, bridge.metric("jvm.memory.used", "area:heap"));
      long rest = 1_000_000_000L - (System.nanoTime() - t0);
      if (rest > 0) LockSupport.parkNanos(rest);
    }
    running.set(false);
    attacker.join(30_000);
    JsonNode after = receiver(bridge);
    String counters = delta(before, after, "headerTimeouts", "idleTimeouts", "evictedConnections", "refusedConnections", "refusedPerAddress");
    return new Figures(name, waits.stream().mapToLong(Long::longValue).toArray(), peakOpen, peakRss, peakHeap, counters);
  }

  /** Holds the silent connections until {@code running} ends; one selector, every closed one reopened. */
  private static void hold(int port, int connections, int addresses, boolean idle, AtomicBoolean running) {
    try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
      for (int i = 0; i < connections; i++) open(selector, port, "127.0.0." + (2 + i % addresses), idle);
      ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
      while (running.get()) {
        selector.select(100);
        for (var key : selector.selectedKeys()) {
          java.nio.channels.SocketChannel ch = (java.nio.channels.SocketChannel) key.channel();
          sink.clear();
          int n;
          try {
            n = ch.read(sink);
          } catch (IOException e) {
            n = -1;
          }
          if (n < 0) {
            // closed by the bridge: the patient attacker opens another at once
            key.cancel();
            ch.close();
            open(selector, port, (String) key.attachment(), idle);
          }
        }
        selector.selectedKeys().clear();
      }
      for (var key : selector.keys()) key.channel().close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void open(java.nio.channels.Selector selector, int port, String from, boolean idle) {
    try {
      java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open();
      ch.setOption(StandardSocketOptions.SO_LINGER, 0);
      ch.bind(new InetSocketAddress(from, 0));
      ch.connect(new InetSocketAddress("127.0.0.1", port));
      ch.write(ByteBuffer.wrap(idle ? "GET /info HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII) : HALF));
      ch.configureBlocking(false);
      ch.register(selector, java.nio.channels.SelectionKey.OP_READ, from);
    } catch (IOException e) {
      // refused or reset at once: counted by the bridge; the next round tries again
    }
  }

  /** Milliseconds from the tracer's first attempt to its 200, retrying each second; {@code bound} when never. */
  private static long tracerWait(int port, long boundMillis) {
    long t0 = System.nanoTime();
    while (true) {
      long attempt = System.nanoTime();
      try (RawHttp tracer = new RawHttp(port, TRACER)) {
        if (tracer.exchange("PUT", "/v0.4/traces", RawHttp.headers("Content-Type", "application/msgpack"), TRACE).status() == 200) {
          return (System.nanoTime() - t0) / 1_000_000;
        }
      } catch (IOException e) {
        // refused, reset or timed out: as a tracer, try again in a second
      }
      long elapsed = (System.nanoTime() - t0) / 1_000_000;
      if (elapsed >= boundMillis) return boundMillis;
      long rest = 1_000_000_000L - (System.nanoTime() - attempt);
      if (rest > 0) LockSupport.parkNanos(rest);
    }
  }

  /** A body trickled one byte a second: seconds until the bridge answers, and what. */
  private static void trickle(BridgeProcess bridge) throws IOException {
    try (RawHttp slow = new RawHttp(bridge.receiverPort)) {
      slow.send("PUT", "/v0.4/traces", RawHttp.headers("Content-Type", "application/msgpack", "Content-Length", "1000"), null);
      long t0 = System.nanoTime();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread t = new Thread(() -> {
        try {
          while (running.get()) {
            slow.sendRaw(new byte[] {(byte) 0x90});
            Thread.sleep(1_000);
          }
        } catch (IOException | InterruptedException e) {
          // closed by the bridge
        }
      });
      t.setDaemon(true);
      t.start();
      int status;
      try {
        status = slow.read().status();
      } catch (IOException e) {
        status = -1;
      }
      running.set(false);
      System.out.printf(Locale.ROOT, "%nbody trickled 1 byte/s: answered %d after %.1f s%n", status, (System.nanoTime() - t0) / 1e9);
    }
  }

  /** 300 silent half requests to the management port from one address; a health probe's wait. */
  private static void management(BridgeProcess bridge) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    Thread attacker = new Thread(() -> hold(bridge.webPort, 300, 1, false, running), "management-attacker");
    attacker.setDaemon(true);
    attacker.start();
    LockSupport.parkNanos(2_000_000_000L);
    long worst = 0;
    for (int i = 0; i < 10; i++) {
      long t0 = System.nanoTime();
      while (bridge.response("/actuator/health/liveness").status() != 200 && System.nanoTime() - t0 < 70_000_000_000L) {
        LockSupport.parkNanos(1_000_000_000L);
      }
      worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
      LockSupport.parkNanos(1_000_000_000L);
    }
    running.set(false);
    attacker.join(30_000);
    System.out.printf(Locale.ROOT, "management port, 300 silent half requests from one address: liveness probe worst %d ms; %s%n", worst,
        bridge.body("/actuator/prometheus") == null ? "" : managementCounters(bridge));
  }

  private static String managementCounters(BridgeProcess bridge) {
    StringBuilder s = new StringBuilder();
    for (String reason : List.of("header_timeout", "idle_timeout", "evicted")) {
      s.append(reason).append('=').append((long) bridge.metric("bridge.management.connections.closed", "reason:" + reason)).append(' ');
    }
    return s.toString().strip();
  }

  /** Junk at {@code perSecond} from 127.0.0.2 for five seconds beside 100 good segments a second from 127.0.0.3. */
  private static void udp(BridgeProcess bridge, int port, int perSecond) throws IOException {
    double acceptedBefore = bridge.metric("bridge.daemon.datagrams", "outcome:accepted");
    double junkBefore = bridge.metric("bridge.daemon.datagrams", "outcome:malformed_header");
    JsonNode daemonBefore = bridge.health().path("components").path("daemon").path("details");
    long kernelBefore = daemonBefore.path("kernelDrops").asLong(-1);
    byte[] junk = new byte[300];
    Arrays.fill(junk, (byte) 'x');
    int good = 0;
    int seconds = 5;
    long t0 = System.nanoTime();
    try (DatagramChannel flood = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.2", 0));
        DatagramChannel goodSource = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.3", 0))) {
      flood.connect(new InetSocketAddress("127.0.0.1", port));
      goodSource.connect(new InetSocketAddress("127.0.0.1", port));
      long total = (long) perSecond * seconds;
      int every = Math.max(1, perSecond / 100);
      for (long i = 0; i < total; i++) {
        long wait = t0 + i * 1_000_000_000L / perSecond - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
        flood.write(ByteBuffer.wrap(junk));
        if (i % every == 0) {
          String doc = String.format(Locale.ROOT, "{\"name\":\"good\",\"id\":\"%016x\",\"trace_id\":\"1-6b0bb367-%024x\","
              + "\"start_time\":%d,\"end_time\":%d.5}", 0x9000 + good, 0xdef0000L + good, 1_795_928_935L + good, 1_795_928_935L + good);
          goodSource.write(ByteBuffer.wrap(("{\"format\":\"json\",\"version\":1}\n" + doc).getBytes(StandardCharsets.UTF_8)));
          good++;
        }
      }
    }
    double offered = perSecond * seconds / ((System.nanoTime() - t0) / 1e9);
    LockSupport.parkNanos(3_000_000_000L);
    long accepted = (long) (bridge.metric("bridge.daemon.datagrams", "outcome:accepted") - acceptedBefore);
    long junkRead = (long) (bridge.metric("bridge.daemon.datagrams", "outcome:malformed_header") - junkBefore);
    long kernel = bridge.health().path("components").path("daemon").path("details").path("kernelDrops").asLong(-1) - kernelBefore;
    System.out.printf(Locale.ROOT, "UDP junk at %d/s (achieved %.0f/s) beside 100 good/s: good taken %d of %d (%s), junk read %d of %d,"
        + " kernel drops %d%n", perSecond, offered, accepted, good, ratio(accepted, good), junkRead, (long) perSecond * seconds, kernel);
  }

  private static JsonNode receiver(BridgeProcess bridge) {
    JsonNode h = bridge.health();
    return h == null ? tools.jackson.databind.node.MissingNode.getInstance() : h.path("components").path("receiver").path("details");
  }

  private static String delta(JsonNode before, JsonNode after, String... keys) {
    StringBuilder s = new StringBuilder();
    for (String k : keys) {
      if (!after.has(k)) continue;
      s.append(k).append('=').append(after.path(k).asLong() - before.path(k).asLong()).append(' ');
    }
    return s.toString().strip();
  }
}
