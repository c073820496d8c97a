package org.xraybridge.bench;

import static org.xraybridge.bench.Harness.env;
import static org.xraybridge.bench.Harness.envDouble;
import static org.xraybridge.bench.Harness.envInt;
import static org.xraybridge.bench.Harness.mb;
import static org.xraybridge.bench.Harness.ratio;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.xraybridge.bench.Harness.Ledger;
import org.xraybridge.bench.Harness.Sample;
import org.xraybridge.bench.LoadGenerator.Ack;
import org.xraybridge.bench.LoadGenerator.Stats;
import org.xraybridge.testing.BridgeProcess;
import tools.jackson.databind.JsonNode;

/**
 * {@code bench/soak-faults.sh}: the load bench's load, while (a) the fake Agent goes down for
 * {@code AGENT_DOWN} seconds (connections refused, or 503 with {@code AGENT_FAULT=503}) and comes back,
 * (b) the X-Ray emulator throttles every read for {@code THROTTLE} seconds, (c) the bridge is killed
 * with SIGKILL and restarted at once on the same data directory (spool and checkpoint survive).
 * Prints, by span id, the spans lost and duplicated — split by when they were taken in — and the
 * recovery time after each fault, with what a kill -9 loses by design measured beside it.
 *
 * <p>"Expected" spans are the native spans the bridge answered 200 for plus the X-Ray spans the
 * emulator stored; "received" is what the fake Agent counted. Recovery after a fault: the time from
 * the fault's end until the spans taken in before that end stopped arriving late, i.e. until the
 * number of them still missing first reached its final value (what is missing then is lost).
 */
public final class SoakBench {

  private SoakBench() {}

  /** One fault on the timeline, in seconds from the start of the load. */
  record Fault(String name, double start, double end) {}

  /** Every second: spans taken in before each fault's end still missing at the fake Agent. */
  static final class Watch {
    final String name;
    final double endSeconds;
    final long cutoff; // sequence numbers below it were allocated before the fault's end
    final boolean xrayOnly;
    final List<double[]> missing = new ArrayList<>(); // {seconds, missing}

    Watch(String name, double endSeconds, long cutoff, boolean xrayOnly) {
      this.name = name;
      this.endSeconds = endSeconds;
      this.cutoff = cutoff;
      this.xrayOnly = xrayOnly;
    }

    long count(SeqSet acked, SeqSet xray, SeqSet got) {
      int words = (int) Math.min(got.words(), (cutoff + 63) >>> 6);
      long n = 0;
      for (int i = 0; i < words; i++) {
        long expect = xrayOnly ? xray.word(i) : acked.word(i) | xray.word(i);
        long bits = expect & ~got.word(i);
        if (i == words - 1 && (cutoff & 63) != 0) bits &= (1L << (cutoff & 63)) - 1;
        n += Long.bitCount(bits);
      }
      return n;
    }

    /** Seconds after the fault's end when the missing count first reached {@code finalMissing}; NaN if never. */
    double recovery(long finalMissing) {
      synchronized (missing) {
        for (double[] m : missing) if (m[1] <= finalMissing) return Math.max(0, m[0] - endSeconds);
      }
      return Double.NaN;
    }
  }

  public static void main(String[] args) throws Exception {
    double rate = envDouble("RATE", 50_000);
    int connections = envInt("CONNECTIONS", 8);
    int groups = envInt("GROUPS", 20);
    double xrayRate = envDouble("XRAY_RATE", 5);
    double warm = envDouble("WARM", 20);
    double agentDown = envDouble("AGENT_DOWN", 60);
    double gap = envDouble("GAP", 60);
    double throttle = envDouble("THROTTLE", 30);
    double after = envDouble("AFTER_KILL", 60);
    boolean doKill = envInt("KILL", 1) != 0;
    boolean fault503 = env("AGENT_FAULT", "refuse").equals("503");
    Duration quietBound = Duration.ofSeconds(envInt("QUIET_TIMEOUT", 300));
    Path out = Path.of(env("OUT", "target/bench/soak")).toAbsolutePath();
    Path jar = Path.of(env("JAR", "target/xray-datadog-bridge.jar")).toAbsolutePath();
    Path pidFile = Path.of(env("PID_FILE", out.resolve("pids").toString()));
    Files.createDirectories(out);
    int cpus = Runtime.getRuntime().availableProcessors();

    double downAt = warm;
    double upAt = downAt + agentDown;
    double throttleAt = upAt + gap;
    double throttleEnd = throttleAt + throttle;
    double killAt = throttleEnd + gap;
    double total = killAt + after;
    long capacity = (long) (Math.max(rate, 10_000) * (total + 60) * 1.3) + 1_000_000;

    System.out.println("== soak-faults bench: the packaged bridge under load, with faults ==");
    System.out.println("machine: " + Harness.machine());
    LoadGenerator probe = new LoadGenerator(0, 1, groups, rate, "bench", Harness.newSequence(), 64);
    System.out.printf(Locale.ROOT, "load: %,.0f spans/s offered over %d connections (%d spans, %,d bytes a payload), X-Ray %.1f traces/s"
            + " (%d spans each), for %.0f s%n", rate, connections, probe.spansPerPayload(), probe.payloadBytes(), xrayRate,
        XRayFeeder.SPANS_PER_TRACE, total);
    List<String> faults = new ArrayList<>();
    if (agentDown > 0) {
      faults.add(String.format(Locale.ROOT, "+%.0f s the fake Agent goes down for %.0f s (%s)", downAt, agentDown,
          fault503 ? "answers 503" : "connections refused"));
    }
    if (throttle > 0) faults.add(String.format(Locale.ROOT, "+%.0f s the X-Ray API throttles every read for %.0f s", throttleAt, throttle));
    if (doKill) faults.add(String.format(Locale.ROOT, "+%.0f s kill -9 of the bridge, restarted at once on the same data directory", killAt));
    System.out.println("faults: " + (faults.isEmpty() ? "none" : String.join("; ", faults)));

    AtomicLong sequence = Harness.newSequence();
    FakeAgent agent = new FakeAgent(Harness.freePort(), capacity).up();
    XRayFeeder xray = new XRayFeeder(Harness.freePort(), sequence, capacity, "bench");
    BridgeProcess bridge = Harness.bridge(jar, out.resolve("bridge"), agent.port(), xray.endpoint(), pidFile);
    LoadBench.deleteRecursively(bridge.workDir.resolve("data"));
    Harness.Sampler sampler = null;
    List<Watch> watches = new ArrayList<>();
    try {
      bridge.start();
      if (!bridge.awaitUp(Duration.ofSeconds(90))) {
        System.out.println("FAILED: the bridge did not come up within 90 s; see " + bridge.workDir.resolve("bridge.log"));
        System.exit(2);
      }
      JsonNode fwd = bridge.health().path("components").path("forward").path("details");
      LoadGenerator gen = new LoadGenerator(bridge.receiverPort, connections, groups, rate, "bench", sequence, capacity);
      xray.joinWith(gen.joinable, Duration.ZERO);

      long t0 = System.nanoTime();
      agent.startClock(t0);
      sampler = new Harness.Sampler(bridge, t0);
      Harness.Sampler s = sampler;
      sampler.everySecond.add(() -> {
        double now = (System.nanoTime() - t0) / 1e9;
        synchronized (watches) {
          for (Watch w : watches) {
            long m = w.count(gen.acked, xray.stored, agent.received);
            synchronized (w.missing) {
              w.missing.add(new double[] {now, m});
            }
          }
        }
      });
      sampler.start();
      xray.start(xrayRate);
      Stats[] result = new Stats[1];
      Thread load = new Thread(() -> {
        try {
          result[0] = gen.run(total, t0);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "soak-load");
      load.start();

      // (a) the Agent goes down, comes back
      sleepUntil(t0, downAt);
      long agentUpNanos = 0;
      if (agentDown > 0) {
        if (fault503) agent.failWith503(true); else agent.down();
        sleepUntil(t0, upAt);
        if (fault503) agent.failWith503(false); else agent.up();
        agentUpNanos = agent.upAtNanos;
        addWatch(watches, new Watch("agent outage", at(t0), sequence.get(), false));
      }

      // (b) X-Ray throttles
      sleepUntil(t0, throttleAt);
      if (throttle > 0) {
        xray.throttleFor(Duration.ofMillis((long) (throttle * 1000)));
        sleepUntil(t0, throttleEnd);
        addWatch(watches, new Watch("X-Ray throttle", at(t0), sequence.get(), true));
      }

      // (c) kill -9 and restart
      sleepUntil(t0, killAt - 1);
      JsonNode beforeKill = bridge.health();
      sleepUntil(t0, killAt);
      Ledger atKill = Ledger.of(beforeKill.path("components").path("pipeline").path("details"));
      JsonNode fwdAtKill = beforeKill.path("components").path("forward").path("details");
      long killSeq = sequence.get();
      long killNanos = System.nanoTime();
      double killedAt = at(t0);
      long restartNanos = killNanos;
      boolean up = true;
      double upAfter = 0;
      if (doKill) {
        bridge.kill9();
        killedAt = at(t0);
        addWatch(watches, new Watch("kill -9", killedAt, killSeq, false));
        bridge.start();
        restartNanos = System.nanoTime();
        up = bridge.awaitUp(Duration.ofSeconds(120));
        upAfter = (System.nanoTime() - restartNanos) / 1e9;
      }
      load.join();
      xray.stop();
      Stats st = result[0];

      // quiet: nothing held, the Agent's count settled, the poller caught up
      double quiet = quiet(bridge, agent, quietBound);
      sampler.stop();
      Ledger l = Ledger.of(bridge.pipeline());
      String xrayHealth = LoadBench.xrayState(bridge);
      List<Sample> samples = sampler.snapshot();
      int exit = bridge.terminate(Duration.ofSeconds(60));

      // ---- figures ----
      Harness.ById ids = Harness.byId(gen.acked, gen.unacked, xray.stored, agent);
      double killWindow = Math.min(10, gap);
      double[] bounds = {0, downAt, upAt, throttleAt, throttleEnd, killAt - killWindow, killedAt, total + 1e9};
      String[] phases = {"before the faults", "Agent down", "Agent back", "X-Ray throttled", "after the throttle",
          doKill ? String.format(Locale.ROOT, "last %.0f s before the kill -9", killWindow) : "(no kill -9)",
          doKill ? "after the restart" : "after the throttle (2)"};
      long[] lostBy = new long[phases.length];
      long[] dupBy = new long[phases.length];
      long[] takenBy = new long[phases.length];
      List<Double> killLostAges = new ArrayList<>();
      long nativeLostBeforeKill = 0, nativeLostEarly = 0, nativeLostAfterRestart = 0;
      for (Ack a : gen.acks()) {
        if (!a.ok()) continue;
        double t = (a.atNanos() - t0) / 1e9;
        int p = phase(bounds, t);
        long lost = 0;
        for (long q = a.seqFrom(); q < a.seqTo(); q++) {
          if (!agent.received.contains(q)) lost++;
          if (agent.duplicated.contains(q)) dupBy[p]++;
        }
        takenBy[p] += a.seqTo() - a.seqFrom();
        lostBy[p] += lost;
        if (lost > 0 && doKill && a.atNanos() <= killNanos) {
          killLostAges.add((killNanos - a.atNanos()) / 1e9);
          nativeLostBeforeKill += lost;
          if (a.atNanos() < killNanos - (long) (killWindow * 1e9)) nativeLostEarly += lost;
        } else {
          nativeLostAfterRestart += lost;
        }
      }
      long[] xLostBy = new long[phases.length];
      long[] xDupBy = new long[phases.length];
      List<Double> xrayLostAges = new ArrayList<>();
      long xrayLostBeforeKill = 0, xrayLostAfterKill = 0;
      for (long[] r : xray.storedAt()) {
        int p = phase(bounds, (r[2] - t0) / 1e9);
        long lost = 0;
        for (long q = r[0]; q < r[1]; q++) {
          if (!agent.received.contains(q)) lost++;
          if (agent.duplicated.contains(q)) xDupBy[p]++;
        }
        xLostBy[p] += lost;
        takenBy[p] += r[1] - r[0];
        if (lost > 0 && doKill && r[2] <= killNanos) {
          xrayLostBeforeKill += lost;
          xrayLostAges.add((killNanos - r[2]) / 1e9);
        } else {
          xrayLostAfterKill += lost;
        }
      }
      long peakSpoolBytes = 0, peakSpoolSpans = 0;
      double spoolEmptyAfterUp = Double.NaN;
      double upSec = (agentUpNanos - t0) / 1e9;
      for (Sample x : samples) {
        peakSpoolBytes = Math.max(peakSpoolBytes, x.spoolBytes());
        peakSpoolSpans = Math.max(peakSpoolSpans, x.spoolSpans());
        if (Double.isNaN(spoolEmptyAfterUp) && x.atSeconds() > upSec && x.spoolSpans() == 0 && x.atSeconds() < killedAt) {
          spoolEmptyAfterUp = x.atSeconds() - upSec;
        }
      }
      double firstAfterUp = agent.firstSpanAfterUpNanos == 0 || agentUpNanos == 0 ? Double.NaN : (agent.firstSpanAfterUpNanos - agentUpNanos) / 1e9;
      double first200AfterRestart = Double.NaN;
      for (Ack a : gen.acks()) {
        if (a.ok() && a.atNanos() > restartNanos) {
          first200AfterRestart = (a.atNanos() - restartNanos) / 1e9;
          break;
        }
      }
      double before = rateBetween(gen, Math.max(1, downAt - 10), downAt);
      double during = rateBetween(gen, downAt + 5, upAt);
      double afterKill = rateBetween(gen, killedAt + upAfter + 5, total);

      System.out.println("timeline (every 5 s: spans/s accepted and forwarded in that second, in flight, spool, forward circuit; X-Ray poller:"
          + " health, last poll outcome, cursor lag):");
      for (Sample x : samples) {
        int sec = (int) Math.round(x.atSeconds());
        if (sec % Harness.envInt("TIMELINE_EVERY", 5) != 0 || sec == 0) continue;
        System.out.printf(Locale.ROOT, "  +%3d s  accepted %,7d/s  forwarded %,7d/s  in flight %,9d  spool %,9d spans %7s  %-9s X-Ray %s%s%n", sec,
            gen.ackedPerSecond.get(sec - 1), agent.perSecond(sec - 1), x.inFlight(), x.spoolSpans(), mb(x.spoolBytes()), x.circuit(),
            x.xrayState(), x.up() ? "" : "  (bridge not answering)");
      }
      System.out.println();
      System.out.printf(Locale.ROOT, "native: %,d spans answered 200, %,d answered 429, %,d without an answer (bridge killed or restarting),"
              + " %,d other; %,d skipped as a tracer with a full queue would%n",
          st.spansOk, st.spans429, st.spansNoAnswer, st.spansOther, st.spansSkipped);
      if (st.spansSkipped > 0) System.out.println("  skipped (never sent, no id used) at " + Harness.secondsWith(gen.skippedPerSecond));
      System.out.printf(Locale.ROOT, "X-Ray: %,d traces (%,d spans) stored in the emulator; poller at the end: %s%n",
          xray.storedTraces.get(), xray.storedSpans.get(), xrayHealth);
      System.out.printf(Locale.ROOT, "spool: peak %,d spans, %s on disk (budget %s, bridge.forward.spool-max-bytes)%n", peakSpoolSpans,
          mb(peakSpoolBytes), spoolBudget(fwd));
      System.out.printf(Locale.ROOT, "accepted spans/s: before the faults %,.0f, while the Agent was down %,.0f, after the restart %,.0f%n",
          before, during, afterKill);
      System.out.println();
      System.out.println("lost and duplicated, by span id, by when the span was taken in (answered 200 / stored in the emulator):");
      for (int i = 0; i < phases.length; i++) {
        System.out.printf(Locale.ROOT, "  %-36s taken in %,11d   lost native %,9d  X-Ray %,6d   duplicated native %,9d  X-Ray %,6d%n",
            phases[i], takenBy[i], lostBy[i], xLostBy[i], dupBy[i], xDupBy[i]);
      }
      long inMemoryAtKill = atKill.inFlight() - fwdAtKill.path("spoolSpans").asLong();
      StringBuilder dupTimes = new StringBuilder();
      for (int sec = 0; sec < total + quietBound.toSeconds() + 60; sec++) {
        long d = agent.duplicatesPerSecond(sec);
        if (d > 0) dupTimes.append(dupTimes.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "+%d s: %,d", sec, d));
      }
      if (dupTimes.length() > 0) {
        System.out.printf(Locale.ROOT, "second copies arrived at the fake Agent at (seconds from the start; the kill was at +%.0f s, the Agent came back"
            + " at +%.0f s): %s%n", killedAt, agentUpNanos == 0 ? Double.NaN : (agentUpNanos - t0) / 1e9, dupTimes);
      }
      if (doKill) {
        System.out.println();
        System.out.println("kill -9, by design: what the bridge held in memory — the merge batch (≤ 1 s), the open payloads (≤ 1 s), the forward"
            + " queue and the payloads being sent — neither delivered nor spooled, is lost, and the tracers were told 200 for the native ones;"
            + " X-Ray spans checkpointed as delivered but not forwarded yet die with them, those handed on after the last checkpoint"
            + " are polled again and may arrive twice");
        System.out.printf(Locale.ROOT, "  ledger one second before the kill: in flight %,d spans, of which %,d in the spool: %,d in memory (the"
                + " by-design loss bound at that instant)%n", atKill.inFlight(), fwdAtKill.path("spoolSpans").asLong(), inMemoryAtKill);
        if (!killLostAges.isEmpty()) {
          killLostAges.sort(Double::compare);
          System.out.printf(Locale.ROOT, "  native spans lost (%,d) had been answered 200 between %.2f s and %.2f s before the kill%n",
              nativeLostBeforeKill, killLostAges.get(0), killLostAges.get(killLostAges.size() - 1));
        }
        if (!xrayLostAges.isEmpty()) {
          xrayLostAges.sort(Double::compare);
          System.out.printf(Locale.ROOT, "  X-Ray spans lost (%,d) had been stored in the emulator between %.1f s and %.1f s before the kill; the poller one"
                  + " second before the kill: %s (they were polled, handed on and checkpointed as delivered, then died"
                  + " in memory)%n", xrayLostBeforeKill, xrayLostAges.get(0), xrayLostAges.get(xrayLostAges.size() - 1),
              Harness.xray(beforeKill.path("components").path("xray")));
        }
        System.out.printf(Locale.ROOT, "  restart: health UP %.1f s after the new process started%s; first 200 to a tracer %.1f s after the restart%n",
            upAfter, up ? "" : " (NOT up)", first200AfterRestart);
      }
      System.out.println();
      System.out.println("recovery (seconds after the fault ended until the spans taken in before it had all arrived — or were finally lost):");
      for (Watch w : watches) {
        long finalMissing = w.count(gen.acked, xray.stored, agent.received);
        System.out.printf(Locale.ROOT, "  %-16s %6.1f s   (%,d of those spans finally missing)%n", w.name, w.recovery(finalMissing), finalMissing);
      }
      System.out.printf(Locale.ROOT, "  Agent outage: first span delivered %.1f s after the Agent came back, spool empty after %.1f s%n",
          firstAfterUp, spoolEmptyAfterUp);
      System.out.println();
      System.out.println("ledger of the restarted bridge: " + l.describe());
      boolean identity = l.holds() && l.inFlight() == 0;
      System.out.printf(Locale.ROOT, "IDENTITY (restarted bridge) received + recovered = forwarded + dropped (by reason): %s (%,d = %,d + %,d; in flight %,d)%n",
          identity ? "HOLDS" : "BROKEN", l.in(), l.forwarded(), l.dropped(), l.inFlight());
      System.out.printf(Locale.ROOT, "quiet period: %s; exit code after SIGTERM %d%n",
          quiet >= 0 ? String.format(Locale.ROOT, "settled in %.1f s", quiet) : String.format(Locale.ROOT, "NOT settled after %.0f s", -quiet), exit);
      System.out.println();
      System.out.println("== figures (ratios against the spans taken in, and against the fault-free start of this run) ==");
      long counted = atKill.dropped() + l.dropped();
      long afterRestart = nativeLostAfterRestart + xrayLostAfterKill;
      System.out.printf(Locale.ROOT, "LOST        %,d of %,d expected spans = %s  (native %,d, X-Ray %,d)%n",
          ids.lost(), ids.expected(), Harness.percent(ids.lost(), ids.expected()), ids.lostNative(), ids.lostXRay());
      System.out.printf(Locale.ROOT, "LOST          dropped and counted by the bridge (target 0 within the spool budget): %,d %s%n", counted,
          counted == 0 ? "" : "(before the kill " + atKill.drops() + ", after the restart " + l.drops() + ")");
      System.out.printf(Locale.ROOT, "LOST          taken in before the kill -9 and neither delivered nor counted (the kill's by-design loss): %,d"
              + " (native %,d, X-Ray %,d); in memory one second before the kill: %,d (lost / in memory = %s)%n",
          nativeLostBeforeKill + xrayLostBeforeKill, nativeLostBeforeKill, xrayLostBeforeKill, inMemoryAtKill,
          ratio(nativeLostBeforeKill + xrayLostBeforeKill, inMemoryAtKill));
      System.out.printf(Locale.ROOT, "LOST          of those, native spans answered 200 more than %.0f s before the kill (should be 0: they had left"
          + " memory): %,d%n", killWindow, nativeLostEarly);
      System.out.printf(Locale.ROOT, "LOST          taken in after the restart (target 0): %,d%n", afterRestart);
      System.out.printf(Locale.ROOT, "DUPLICATED  %,d = %s of expected  (native %,d, X-Ray %,d)%n", ids.duplicated(),
          Harness.percent(ids.duplicated(), ids.expected()), sum(dupBy), sum(xDupBy));
      System.out.printf(Locale.ROOT, "UNEXPECTED  %,d; received without a 200 %,d%n", ids.unexpected(), ids.deliveredUnacked());
      for (Watch w : watches) {
        long finalMissing = w.count(gen.acked, xray.stored, agent.received);
        double fault = w.name.equals("agent outage") ? agentDown : w.name.equals("X-Ray throttle") ? throttle : Double.NaN;
        System.out.printf(Locale.ROOT, "RECOVERY    %-14s %6.1f s%s%n", w.name, w.recovery(finalMissing),
            Double.isNaN(fault) ? "" : "  = " + ratio(w.recovery(finalMissing), fault) + " × the fault's length");
      }
      System.out.printf(Locale.ROOT, "RATIO accepted while the Agent was down / before the faults = %s;  after the restart / before = %s%n",
          ratio(during, before), ratio(afterKill, before));
      boolean ok = identity && counted == 0 && afterRestart == 0 && nativeLostEarly == 0 && ids.unexpected() == 0 && quiet >= 0
          && (doKill || ids.lost() == 0);
      System.out.println(ok ? "RESULT nothing lost but what the kill -9 held in memory; the restarted bridge's identity held"
          : "RESULT CHECK FAILED (see above)");
      System.exit(ok ? 0 : 1);
    } finally {
      if (sampler != null) sampler.stop();
      bridge.close();
      xray.close();
      agent.close();
    }
  }

  private static void addWatch(List<Watch> watches, Watch w) {
    synchronized (watches) {
      watches.add(w);
    }
  }

  private static double at(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void sleepUntil(long t0, double seconds) throws InterruptedException {
    long wait = t0 + (long) (seconds * 1e9) - System.nanoTime();
    if (wait > 0) Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
  }

  private static int phase(double[] bounds, double t) {
    for (int i = bounds.length - 2; i >= 0; i--) if (t >= bounds[i]) return i;
    return 0;
  }

  private static long sum(long[] a) {
    long s = 0;
    for (long v : a) s += v;
    return s;
  }

  private static double rateBetween(LoadGenerator gen, double from, double to) {
    int a = (int) Math.ceil(from);
    int b = (int) Math.floor(to);
    if (b <= a) return Double.NaN;
    long sum = 0;
    for (int i = a; i < b; i++) sum += gen.ackedPerSecond.get(i);
    return sum / (double) (b - a);
  }

  private static String spoolBudget(JsonNode forwardDetails) {
    String configured = env("BRIDGE_ARGS", "");
    int i = configured.indexOf("--bridge.forward.spool-max-bytes=");
    if (i < 0) return "1GB (default)";
    String v = configured.substring(i + "--bridge.forward.spool-max-bytes=".length());
    int sp = v.indexOf(' ');
    return sp < 0 ? v : v.substring(0, sp);
  }

  /** Nothing held, the Agent's count unchanged for 5 s, the poller's cursor within 10 s of now − lag. */
  static double quiet(BridgeProcess bridge, FakeAgent agent, Duration bound) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + bound.toNanos();
    long last = -1;
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long count = agent.spans.get();
      if (count != last) {
        last = count;
        stableSince = System.nanoTime();
      }
      JsonNode h = bridge.health();
      if (h != null) {
        long inFlight = h.path("components").path("pipeline").path("details").path("inFlight").asLong(-1);
        String lag = Harness.xraySource(h.path("components").path("xray")).path("cursorLag").asString("");
        boolean caughtUp;
        try {
          caughtUp = !lag.isEmpty() && Duration.parse(lag).compareTo(Duration.ofSeconds(10)) < 0;
        } catch (RuntimeException e) {
          caughtUp = false;
        }
        if (inFlight == 0 && caughtUp && System.nanoTime() - stableSince > 5_000_000_000L) return (System.nanoTime() - start) / 1e9;
      }
      Thread.sleep(500);
    }
    return -(System.nanoTime() - start) / 1e9;
  }
}
