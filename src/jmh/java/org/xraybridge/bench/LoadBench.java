package org.xraybridge.bench;

import static org.xraybridge.bench.Harness.env;
import static org.xraybridge.bench.Harness.envDouble;
import static org.xraybridge.bench.Harness.envInt;
import static org.xraybridge.bench.Harness.mb;
import static org.xraybridge.bench.Harness.ratio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.xraybridge.bench.Harness.Ledger;
import org.xraybridge.bench.Harness.Sample;
import org.xraybridge.bench.LoadGenerator.Stats;
import org.xraybridge.testing.BridgeProcess;
import tools.jackson.databind.JsonNode;

/**
 * {@code bench/load.sh}: the packaged bridge on loopback under a fixed rate of Java-tracer-shaped v0.4
 * payloads plus an X-Ray emulator it polls, against the same generator sending to a drain-only endpoint
 * in the same run.
 *
 * <p>Phases: (1) drain-only endpoint at the offered rate, then as fast as it answers; (1b) nginx
 * proxying each payload unchanged to a fake Agent (the proxy baseline: {@link NginxProxy}), likewise;
 * (2) the bridge
 * at the offered rate — warm-up, then the measured window; (3) the bridge as fast as it answers (the
 * saturation probe, {@code PROBE_DURATION}); (4) a quiet period, then the ledger identity and the
 * span-id check over everything the bridge took in. Prints spans/s accepted and forwarded, p50/p99
 * answer time, peak RSS and heap, drops by reason, ratios against the drain-only endpoint, and last
 * the ratios against nginx: spans/s and CPU per span as fast as each answers, the bridge's bytes
 * allocated per native span (its {@code jvm.gc.memory.allocated} over the measured window) and the
 * generator's own ceiling (the drain-only endpoint as fast as it answers).
 */
public final class LoadBench {

  private LoadBench() {}

  /** What one measured window gave. */
  record Window(Stats stats, double seconds, double peerCores, double benchCores, double machineCores, long agentSpans,
      int firstSecond, int lastSecond) {
    double accepted() {
      return stats.spansOk / seconds;
    }

    double forwarded() {
      return agentSpans / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    double duration = envDouble("DURATION", 60);
    double warmup = envDouble("WARMUP", 10);
    double baselineDuration = envDouble("BASELINE_DURATION", Math.min(30, duration));
    double probeDuration = envDouble("PROBE_DURATION", 15);
    double rate = envDouble("RATE", 50_000);
    int connections = envInt("CONNECTIONS", 8);
    int groups = envInt("GROUPS", 20);
    double xrayRate = envDouble("XRAY_RATE", 5);
    Duration joinDelay = Duration.ofMillis((long) (envDouble("XRAY_JOIN_DELAY", 0) * 1000));
    Duration quietBound = Duration.ofSeconds(envInt("QUIET_TIMEOUT", 120));
    Path out = Path.of(env("OUT", "target/bench/load")).toAbsolutePath();
    Path jar = Path.of(env("JAR", "target/xray-datadog-bridge.jar")).toAbsolutePath();
    Path pidFile = Path.of(env("PID_FILE", out.resolve("pids").toString()));
    Files.createDirectories(out);
    int cpus = Runtime.getRuntime().availableProcessors();
    String rateText = rate > 0 ? String.format(Locale.ROOT, "%,.0f spans/s", rate) : "as fast as answers come";
    long capacity = (long) (Math.max(rate > 0 ? rate : 0, 250_000) * (warmup + duration + probeDuration + 30)) + 1_000_000;

    System.out.println("== load bench: the packaged bridge on loopback ==");
    System.out.println("machine: " + Harness.machine());
    LoadGenerator probe = new LoadGenerator(0, 1, groups, rate, "bench", Harness.newSequence(), 64);
    System.out.printf(Locale.ROOT, "load: %s offered for %.0f s (after %.0f s warm-up) over %d connections, %d spans (%d traces, %,d bytes)"
            + " a payload; X-Ray %.1f traces/s (%d spans each, half of them the X-Ray halves of native traces, %d s after them);"
            + " saturation probe %.0f s%n",
        rateText, duration, warmup, connections, probe.spansPerPayload(), groups * NativePayload.TRACES_PER_GROUP, probe.payloadBytes(),
        xrayRate, XRayFeeder.SPANS_PER_TRACE, joinDelay.toSeconds(), probeDuration);

    // ---- 1. the ceiling: the same generator against a drain-only endpoint ----
    System.out.printf(Locale.ROOT, "%n-- baseline: drain-only endpoint (Reactor Netty, reads the body, answers 200; own JVM, %s) --%n",
        String.join(" ", Harness.bridgeJvmArgs()));
    int drainPort = Harness.freePort();
    Process drain = Harness.startDrainServer(drainPort, Harness.bridgeJvmArgs(), pidFile);
    Window base;
    Window baseMax = null;
    try {
      // as fast as it answers, the drain-only endpoint takes millions of spans a second: room for 8M/s
      long baseCapacity = (long) ((rate > 0 ? rate : 8e6) * (5 + baselineDuration) + 8e6 * Math.min(probeDuration, 10)) + 1_000_000;
      LoadGenerator g = new LoadGenerator(drainPort, connections, groups, rate, "bench", Harness.newSequence(), baseCapacity);
      g.run(Math.min(warmup, 5), System.nanoTime());
      base = measure(g, baselineDuration, System.nanoTime(), () -> BridgeProcess.cpuSeconds(drain.pid()), null);
      print("at the offered rate", base, cpus, "endpoint");
      if (probeDuration > 0 && rate > 0) {
        g.rate(0);
        baseMax = measure(g, Math.min(probeDuration, 10), System.nanoTime(), () -> BridgeProcess.cpuSeconds(drain.pid()), null);
        print("as fast as it answers", baseMax, cpus, "endpoint");
      }
    } finally {
      drain.destroy();
      drain.waitFor();
    }
    Window proxyMax = proxyBaseline(env("NGINX", "nginx"), out.resolve("bench-nginx"), pidFile, connections, groups, rate, warmup,
        baselineDuration, probeDuration, cpus);

    // ---- 2. the bridge ----
    AtomicLong sequence = Harness.newSequence();
    FakeAgent agent = new FakeAgent(Harness.freePort(), capacity).up();
    XRayFeeder xray = new XRayFeeder(Harness.freePort(), sequence, capacity, "bench");
    BridgeProcess bridge = Harness.bridge(jar, out.resolve("bridge"), agent.port(), xray.endpoint(), pidFile);
    deleteRecursively(bridge.workDir.resolve("data"));
    Harness.Sampler sampler = null;
    try {
      bridge.start();
      long bootStart = System.nanoTime();
      if (!bridge.awaitUp(Duration.ofSeconds(90))) {
        System.out.println("FAILED: the bridge did not come up within 90 s; see " + bridge.workDir.resolve("bridge.log"));
        System.exit(2);
      }
      double boot = (System.nanoTime() - bootStart) / 1e9;
      LoadGenerator gen = new LoadGenerator(bridge.receiverPort, connections, groups, rate, "bench", sequence, capacity);
      xray.joinWith(gen.joinable, joinDelay);
      System.out.printf(Locale.ROOT, "%n-- the bridge: java %s -jar %s, agent mode to a fake Agent in this process that counts spans by id;"
              + " X-Ray source: this process's emulator (bridge.xray.source=aws + endpoint); health UP %.1f s after start --%n",
          String.join(" ", Harness.bridgeJvmArgs()), jar.getFileName(), boot);

      long t0 = System.nanoTime();
      agent.startClock(t0);
      sampler = new Harness.Sampler(bridge, t0).start();
      xray.start(xrayRate);
      gen.run(warmup, t0);
      Gc gc0 = Gc.of(bridge);
      double allocated0 = allocatedBytes(bridge);
      Window main = measure(gen, duration, t0, () -> BridgeProcess.cpuSeconds(bridge.pid()), agent);
      double allocatedMain = allocatedBytes(bridge) - allocated0;
      Gc gcMain = Gc.of(bridge).minus(gc0);
      List<Sample> sustained = sampler.snapshot();
      long hwmSustained = bridge.procStatusKb("VmHWM");
      Window max = null;
      if (probeDuration > 0 && rate > 0) {
        gen.rate(0);
        max = measure(gen, probeDuration, t0, () -> BridgeProcess.cpuSeconds(bridge.pid()), agent);
      }
      xray.stop();

      double quiet = Harness.quiet(bridge, agent, xray.storedSpans.get(), quietBound);
      sampler.stop();
      Ledger l = Ledger.of(bridge.pipeline());
      JsonNode components = bridge.health().path("components");
      JsonNode receiver = components.path("receiver").path("details");
      JsonNode merge = components.path("merge").path("details");
      String xrayHealth = xrayState(bridge);
      long hwm = bridge.procStatusKb("VmHWM");
      List<Sample> samples = sampler.snapshot();
      int exit = bridge.terminate(Duration.ofSeconds(60));

      // ---- figures ----
      Stats st = main.stats();
      double minAccepted10 = minWindow(gen, null, main.firstSecond(), main.lastSecond(), 10);
      double minForwarded10 = minWindow(null, agent, main.firstSecond(), main.lastSecond(), 10);
      Peaks peaks = Peaks.of(sustained);
      Peaks all = Peaks.of(samples);
      Harness.ById ids = Harness.byId(gen.acked, gen.unacked, xray.stored, agent);

      int every = envInt("TIMELINE_EVERY", Math.max(10, (int) Math.round((warmup + duration + probeDuration) / 120) * 10));
      System.out.printf(Locale.ROOT, "timeline (every %d s: spans/s accepted and forwarded in that second, heap used, live data after the last GC,"
          + " RSS, in flight, forward queue):%n", every);
      for (Sample s : samples) {
        int sec = (int) Math.round(s.atSeconds());
        if (sec % every != 0 || sec == 0) continue;
        System.out.printf(Locale.ROOT, "  +%3d s  accepted %,8d/s  forwarded %,8d/s  heap %7s  live %7s  RSS %7s  in flight %,9d  queue %7s%n", sec,
            gen.ackedPerSecond.get(sec - 1), agent.perSecond(sec - 1), mb(s.heapUsedBytes()), mb(s.liveAfterGcBytes()), mb(s.rssKb() * 1024.0),
            s.inFlight(), mb(s.queuedBytes()));
      }
      System.out.printf(Locale.ROOT, "at %s for %.0f s:%n", rateText, duration);
      System.out.printf(Locale.ROOT, "  accepted  %,.0f spans/s (lowest 10 s window %,.0f): %,d payloads answered 200, %,d answered 429 (%,d spans),"
              + " %,d other, %,d without an answer%n",
          main.accepted(), minAccepted10, st.ok, st.status429, st.spans429, st.otherStatus, st.ioErrors + st.connectRefused);
      System.out.printf(Locale.ROOT, "  forwarded %,.0f spans/s to the fake Agent (lowest 10 s window %,.0f)%n", main.forwarded(), minForwarded10);
      System.out.printf(Locale.ROOT, "  generator: at most %.2f s behind its schedule; %,d payloads (%,d spans) skipped as a tracer with a full"
              + " queue would (more than %s s behind)%n", st.behindNanos / 1e9, st.skipped, st.spansSkipped, env("TRACER_BACKLOG", "1"));
      System.out.printf(Locale.ROOT, "  answer time (request written → answer read, 200s): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          st.latencyMs(0.5), st.latencyMs(0.99), st.latencyMs(1.0));
      System.out.printf(Locale.ROOT, "  memory: peak RSS %s (VmHWM), peak heap used %s (sampled each second), peak live data after GC %s;"
              + " peak in flight %,d spans, peak forward queue %s%n",
          mb(hwmSustained * 1024.0), mb(peaks.heap), mb(peaks.live), peaks.inFlight, mb(peaks.queued));
      System.out.printf(Locale.ROOT, "  CPU: bridge %.2f cores (%.1f µs a span), bench process (generator, fake Agent, emulator) %.2f cores,"
              + " whole machine %.2f of %d cores%n", main.peerCores(), 1e6 * main.peerCores() / main.accepted(), main.benchCores(),
          main.machineCores(), cpus);
      System.out.printf(Locale.ROOT, "  GC: %,d pauses (%,d of them major/full), %.2f s paused in total = %.1f %% of the window, longest %.0f ms%n",
          gcMain.pauses, gcMain.major, gcMain.seconds, 100 * gcMain.seconds / main.seconds(), gcMain.maxMs);
      if (max != null) {
        System.out.printf(Locale.ROOT, "saturation probe, as fast as answers come for %.0f s: accepted %,.0f spans/s, forwarded %,.0f spans/s,"
                + " %,d answered 429; p50 %.2f ms, p99 %.2f ms; bridge %.2f cores, machine %.2f of %d; peak RSS %s, heap %s, live after GC %s%n",
            probeDuration, max.accepted(), max.forwarded(), max.stats().status429, max.stats().latencyMs(0.5), max.stats().latencyMs(0.99),
            max.peerCores(), max.machineCores(), cpus, mb(hwm * 1024.0), mb(all.heap), mb(all.live));
      }
      long indexTraces = merge.path("indexTraces").asLong();
      double tracesPerSecond = main.accepted() / NativePayload.SPANS_PER_GROUP * NativePayload.TRACES_PER_GROUP;
      System.out.printf(Locale.ROOT, "merge: %s; at %,.0f native traces/s the trace index (%,d traces) remembers the last %.0f s —"
              + " X-Ray halves that arrive later than that are not joined%n", merge, tracesPerSecond, indexTraces, indexTraces / tracesPerSecond);
      System.out.printf(Locale.ROOT, "X-Ray: %,d traces stored (%,d of them halves of native traces), %,d spans polled; poller %s%n",
          xray.storedTraces.get(), xray.joinedTraces.get(), l.receivedXRayPoll(), xrayHealth);
      System.out.printf(Locale.ROOT, "receiver: %,d requests, %,d overloaded (429), %,d refused before decoding, %,d malformed, %,d refused connections%n",
          receiver.path("requests").asLong(), receiver.path("overloadedRequests").asLong(), receiver.path("refusedPayloads").asLong(),
          receiver.path("malformedRequests").asLong(), receiver.path("refusedConnections").asLong());
      System.out.println("drops by reason: " + (l.drops().isEmpty() ? "none" : l.drops()));
      System.out.printf(Locale.ROOT, "quiet period: %s; bridge exit code after SIGTERM: %d (143 = stopped by the signal after its graceful stop)%n",
          quiet >= 0 ? String.format(Locale.ROOT, "settled in %.1f s", quiet) : String.format(Locale.ROOT, "NOT settled after %.0f s", -quiet), exit);

      System.out.println();
      System.out.println("ledger (/actuator/health, component pipeline): " + l.describe());
      boolean identity = l.holds() && l.inFlight() == 0;
      System.out.printf(Locale.ROOT, "IDENTITY received + polled = forwarded + dropped (by reason): %s (%,d = %,d + %,d; in flight %,d)%n",
          identity ? "HOLDS" : "BROKEN", l.in(), l.forwarded(), l.dropped(), l.inFlight());
      boolean agentMatches = agent.spans.get() == l.forwarded();
      System.out.printf(Locale.ROOT, "IDENTITY fake Agent's count = ledger forwarded: %s (%,d vs %,d)%n", agentMatches ? "HOLDS" : "BROKEN",
          agent.spans.get(), l.forwarded());
      long acceptedByBridge = l.receivedNative() - l.dropsAt("receive.");
      long ackedTotal = gen.acked.count();
      boolean ackMatches = ackedTotal == acceptedByBridge;
      System.out.printf(Locale.ROOT, "IDENTITY spans answered 200 = native received − receive drops: %s (%,d vs %,d)%n",
          ackMatches ? "HOLDS" : "BROKEN", ackedTotal, acceptedByBridge);
      System.out.printf(Locale.ROOT, "BY SPAN ID: expected %,d (answered 200 + stored in X-Ray), received %,d; lost %,d (native %,d, X-Ray %,d),"
              + " duplicated %,d, unexpected %,d, received without a 200 %,d%n",
          ids.expected(), ids.received(), ids.lost(), ids.lostNative(), ids.lostXRay(), ids.duplicated(), ids.unexpected(), ids.deliveredUnacked());

      System.out.println();
      System.out.println("== ratios against the drain-only endpoint measured in this run ==");
      System.out.printf(Locale.ROOT, "RATIO accepted spans/s at the offered rate   bridge / drain-only = %s  (%,.0f / %,.0f)%n",
          ratio(main.accepted(), base.accepted()), main.accepted(), base.accepted());
      System.out.printf(Locale.ROOT, "RATIO forwarded spans/s at the offered rate  bridge / drain-only = %s  (%,.0f / %,.0f)%n",
          ratio(main.forwarded(), base.accepted()), main.forwarded(), base.accepted());
      System.out.printf(Locale.ROOT, "RATIO p50 answer time at the offered rate    bridge / drain-only = %s  (%.2f ms / %.2f ms)%n",
          ratio(st.latencyMs(0.5), base.stats().latencyMs(0.5)), st.latencyMs(0.5), base.stats().latencyMs(0.5));
      System.out.printf(Locale.ROOT, "RATIO p99 answer time at the offered rate    bridge / drain-only = %s  (%.2f ms / %.2f ms)%n",
          ratio(st.latencyMs(0.99), base.stats().latencyMs(0.99)), st.latencyMs(0.99), base.stats().latencyMs(0.99));
      System.out.printf(Locale.ROOT, "RATIO CPU per span at the offered rate       bridge / drain-only = %s  (%.1f µs / %.1f µs)%n",
          ratio(main.peerCores() / main.accepted(), base.peerCores() / base.accepted()), 1e6 * main.peerCores() / main.accepted(),
          1e6 * base.peerCores() / base.accepted());
      if (max != null && baseMax != null) {
        System.out.printf(Locale.ROOT, "RATIO saturation spans/s (as fast as answered) bridge / drain-only = %s  (%,.0f / %,.0f)%n",
            ratio(max.accepted(), baseMax.accepted()), max.accepted(), baseMax.accepted());
        System.out.printf(Locale.ROOT, "RATIO saturation / offered rate (bridge headroom) = %s  (%,.0f / %,.0f)%n",
            ratio(max.accepted(), rate), max.accepted(), rate);
      }
      if (rate > 0) {
        // sustained: what was offered was taken (no 429, nothing a tracer would have dropped, no 10 s window
        // below 95 %) and what was taken went on (forwarded keeps pace with accepted over the window)
        boolean met = main.accepted() >= 0.99 * rate && minAccepted10 >= 0.95 * rate && main.forwarded() >= 0.98 * main.accepted()
            && st.spansSkipped == 0 && st.spans429 == 0;
        System.out.printf(Locale.ROOT, "TARGET %,.0f spans/s sustained for %.0f s with %s: %s (accepted/offered %s, forwarded/accepted %s,"
                + " lowest 10 s windows accepted %,.0f and forwarded %,.0f, 429s %,d, skipped %,d)%n", rate, duration,
            String.join(" ", Harness.bridgeJvmArgs()), met ? "MET" : "MISSED", ratio(main.accepted(), rate),
            ratio(main.forwarded(), main.accepted()), minAccepted10, minForwarded10, st.status429, st.skipped);
      }
      printAgainstProxy(max != null ? max : main, proxyMax, allocatedMain / st.spansOk, baseMax != null ? baseMax : base, rate);
      boolean ok = identity && agentMatches && ackMatches && ids.lost() == 0 && ids.duplicated() == 0 && ids.unexpected() == 0 && quiet >= 0;
      System.out.println(ok ? "RESULT the identity held exactly; no span lost, duplicated or unexpected" : "RESULT CHECK FAILED (see above)");
      System.exit(ok ? 0 : 1);
    } finally {
      if (sampler != null) sampler.stop();
      bridge.close();
      xray.close();
      agent.close();
    }
  }

  /**
   * The proxy baseline: the same generator against nginx in front of a fake Agent of its own (the
   * bridge's fake Agent keeps its counts for the bridge's identity checks), at the offered rate and
   * then as fast as it answers; the latter window, or null when nginx is missing.
   */
  static Window proxyBaseline(String nginx, Path dir, Path pidFile, int connections, int groups, double rate, double warmup,
      double seconds, double probeDuration, int cpus) throws Exception {
    System.out.printf(Locale.ROOT, "%n-- baseline: nginx (%s) proxying each payload unchanged to a fake Agent like the bridge's --%n", nginx);
    double ceiling = 3e6;
    long capacity = (long) ((rate > 0 ? rate : ceiling) * (5 + seconds) + ceiling * Math.min(probeDuration, 10)) + 1_000_000;
    try (FakeAgent agent = new FakeAgent(Harness.freePort(), capacity).up()) {
      NginxProxy proxy;
      try {
        proxy = NginxProxy.start(nginx, dir, Harness.freePort(), agent.port(), pidFile);
      } catch (java.io.IOException e) {
        System.out.println("SKIPPED: nginx could not start (" + e.getMessage() + "); bench/load.sh installs Debian's nginx when absent");
        return null;
      }
      try {
        LoadGenerator g = new LoadGenerator(proxy.port(), connections, groups, rate, "bench", Harness.newSequence(), capacity);
        g.run(Math.min(warmup, 5), System.nanoTime());
        Window w = measure(g, seconds, System.nanoTime(), proxy::cpuSeconds, agent);
        print("at the offered rate", w, cpus, "nginx (" + proxy.workers() + " workers)");
        if (rate > 0) {
          g.rate(0);
          w = measure(g, Math.min(probeDuration > 0 ? probeDuration : seconds, 10), System.nanoTime(), proxy::cpuSeconds, agent);
          print("as fast as it answers", w, cpus, "nginx");
        }
        System.out.printf(Locale.ROOT, "  the fake Agent behind nginx counted %,d spans (%,.0f spans/s forwarded in the last window)%n",
            agent.spans.get(), w.forwarded());
        return w;
      } finally {
        proxy.close();
      }
    }
  }

  /** The bridge's bytes allocated so far (Micrometer's {@code jvm.gc.memory.allocated}: young-generation growth, summed at each GC). */
  static double allocatedBytes(BridgeProcess bridge) {
    JsonNode m = bridge.metricJson("jvm.gc.memory.allocated", null);
    if (m == null) return Double.NaN;
    for (JsonNode x : m.path("measurements")) if (x.path("statistic").asString("").equals("COUNT")) return x.path("value").asDouble();
    return Double.NaN;
  }

  /** Printed last: the bridge against nginx, both as fast as they answer, and the generator's own ceiling. */
  static void printAgainstProxy(Window bridge, Window proxy, double allocatedPerSpan, Window drain, double rate) {
    System.out.println();
    System.out.println("== against nginx proxying the same payloads to a fake Agent, measured in this run ==");
    if (rate > 0) System.out.println("(the bridge's figures are its saturation probe; RATE=max measures both for the whole window)");
    System.out.printf(Locale.ROOT, "GENERATOR ceiling (drain-only endpoint, as fast as it answers): %,.0f spans/s%n", drain.accepted());
    System.out.printf(Locale.ROOT, "ALLOCATION bridge: %,.0f bytes per native span accepted (jvm.gc.memory.allocated over the measured window;"
        + " target ≤ 100)%n", allocatedPerSpan);
    if (proxy == null) {
      System.out.println("RATIO against nginx: not measured (nginx missing)");
      return;
    }
    System.out.printf(Locale.ROOT, "RATIO accepted spans/s, as fast as answered  bridge / nginx = %s  (%,.0f / %,.0f; target ≥ 0.5)%n",
        ratio(bridge.accepted(), proxy.accepted()), bridge.accepted(), proxy.accepted());
    System.out.printf(Locale.ROOT, "RATIO CPU per span, as fast as answered      bridge / nginx = %s  (%.2f µs / %.2f µs; target ≤ 2)%n",
        ratio(bridge.peerCores() / bridge.accepted(), proxy.peerCores() / proxy.accepted()), 1e6 * bridge.peerCores() / bridge.accepted(),
        1e6 * proxy.peerCores() / proxy.accepted());
    System.out.printf(Locale.ROOT, "RATIO nginx / generator ceiling = %s  (%,.0f / %,.0f; near 1 the generator, not nginx, is the limit)%n",
        ratio(proxy.accepted(), drain.accepted()), proxy.accepted(), drain.accepted());
  }

  /** Runs the generator for {@code seconds} and measures CPU of the peer, this process and the machine. */
  static Window measure(LoadGenerator g, double seconds, long t0, DoubleSupplier peerCpu, FakeAgent agent) throws InterruptedException {
    double c0 = peerCpu.getAsDouble();
    double s0 = BridgeProcess.cpuSeconds(ProcessHandle.current().pid());
    double m0 = BridgeProcess.machineBusySeconds();
    long a0 = agent == null ? 0 : agent.spans.get();
    long start = System.nanoTime();
    Stats st = g.run(seconds, t0);
    long end = System.nanoTime();
    double secs = (end - start) / 1e9;
    return new Window(st, secs, (peerCpu.getAsDouble() - c0) / secs,
        (BridgeProcess.cpuSeconds(ProcessHandle.current().pid()) - s0) / secs, (BridgeProcess.machineBusySeconds() - m0) / secs,
        agent == null ? 0 : agent.spans.get() - a0, (int) Math.ceil((start - t0) / 1e9), (int) ((end - t0) / 1e9));
  }

  private static void print(String what, Window w, int cpus, String peer) {
    Stats s = w.stats();
    System.out.printf(Locale.ROOT, "%s: accepted %,.0f spans/s (%,d payloads, %d refused, %d errors); answer time p50 %.2f ms, p99 %.2f ms;"
            + " CPU: %s %.2f cores, generator %.2f cores, machine %.2f of %d cores%n",
        what, w.accepted(), s.ok, s.status429 + s.otherStatus, s.ioErrors + s.connectRefused, s.latencyMs(0.5), s.latencyMs(0.99),
        peer, w.peerCores(), w.benchCores(), w.machineCores(), cpus);
  }

  /** GC pauses from the bridge's Micrometer timer {@code jvm.gc.pause}. */
  record Gc(long pauses, long major, double seconds, double maxMs) {
    static Gc of(BridgeProcess b) {
      JsonNode all = b.metricJson("jvm.gc.pause", null);
      JsonNode major = b.metricJson("jvm.gc.pause", "action:end%20of%20major%20GC");
      return new Gc((long) measurement(all, "COUNT"), (long) measurement(major, "COUNT"), measurement(all, "TOTAL_TIME"),
          1000 * measurement(all, "MAX"));
    }

    Gc minus(Gc before) {
      return new Gc(pauses - before.pauses, major - before.major, seconds - before.seconds, maxMs);
    }

    private static double measurement(JsonNode metric, String statistic) {
      if (metric == null) return 0;
      for (JsonNode m : metric.path("measurements")) if (m.path("statistic").asString("").equals(statistic)) return m.path("value").asDouble();
      return 0;
    }
  }

  /** Peaks over samples. */
  record Peaks(double heap, double live, long rssKb, long inFlight, long queued) {
    static Peaks of(List<Sample> samples) {
      double heap = 0, live = 0;
      long rss = 0, inFlight = 0, queued = 0;
      for (Sample s : samples) {
        if (!Double.isNaN(s.heapUsedBytes())) heap = Math.max(heap, s.heapUsedBytes());
        if (!Double.isNaN(s.liveAfterGcBytes())) live = Math.max(live, s.liveAfterGcBytes());
        rss = Math.max(rss, s.rssKb());
        inFlight = Math.max(inFlight, s.inFlight());
        queued = Math.max(queued, s.queuedBytes());
      }
      return new Peaks(heap, live, rss, inFlight, queued);
    }
  }

  static String xrayState(BridgeProcess bridge) {
    JsonNode x = bridge.health().path("components").path("xray");
    JsonNode d = Harness.xraySource(x);
    return x.path("status").asString("?") + ", last outcome " + d.path("lastOutcome").asString("?") + ", cursor lag "
        + d.path("cursorLag").asString("?") + ", circuit " + d.path("circuitState").asString("?") + ", throttles in the last minute "
        + d.path("throttlesLastMinute").asString("?");
  }

  /** The lowest per-second rate averaged over {@code window} seconds within [from, to). */
  static double minWindow(LoadGenerator gen, FakeAgent agent, int from, int to, int window) {
    if (to - from < window) window = Math.max(1, to - from);
    double min = Double.MAX_VALUE;
    for (int s = from; s + window <= to; s++) {
      long sum = 0;
      for (int i = s; i < s + window; i++) sum += gen != null ? gen.ackedPerSecond.get(i) : agent.perSecond(i);
      min = Math.min(min, sum / (double) window);
    }
    return min == Double.MAX_VALUE ? Double.NaN : min;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
