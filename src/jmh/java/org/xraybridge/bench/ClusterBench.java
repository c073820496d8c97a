package org.xraybridge.bench;

import static org.xraybridge.bench.Harness.env;
import static org.xraybridge.bench.Harness.envDouble;
import static org.xraybridge.bench.Harness.envInt;
import static org.xraybridge.bench.Harness.ratio;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.xraybridge.bench.LoadGenerator.Stats;
import org.xraybridge.testing.BridgeProcess;
import org.xraybridge.testing.KafkaBroker;
import tools.jackson.databind.JsonNode;

/**
 * {@code bench/cluster.sh}: kafka mode against single mode in one run (docs/cluster.md). First one
 * packaged bridge in single mode under the load generator of {@code bench/load.sh}; then a real Kafka
 * broker (its own JVM, from Maven artifacts, as the tests start it) and three replicas of the jar, the
 * generator's connections spread over them, the X-Ray emulator polled by the replica the sources group
 * elects; mid-run a {@code kill -9} of the replica polling X-Ray, and its restart. Prints last, as
 * ratios of the same run: accepted spans/s and p50/p99 answer time of the cluster ÷ single mode; spans
 * answered 200 and lost; sent twice (and counted redelivered); X-Ray halves joined ÷ X-Ray halves of
 * native traces; seconds until the dead replica's partitions and its source are served again.
 */
public final class ClusterBench {

  private ClusterBench() {}

  public static void main(String[] args) throws Exception {
    double duration = envDouble("DURATION", 40);
    double rate = envDouble("RATE", 20_000);
    int connections = envInt("CONNECTIONS", 6);
    int groups = envInt("GROUPS", 20);
    double xrayRate = envDouble("XRAY_RATE", 5);
    String session = env("SESSION_TIMEOUT", "3s");
    int partitions = envInt("PARTITIONS", 6);
    Path out = Path.of(env("OUT", "target/bench/cluster")).toAbsolutePath();
    Path jar = Path.of(env("JAR", "target/xray-datadog-bridge.jar")).toAbsolutePath();
    Path pidFile = Path.of(env("PID_FILE", out.resolve("pids").toString()));
    Files.createDirectories(out);
    long capacity = (long) (rate * (duration * 2 + 60)) + 1_000_000;
    System.out.println("== cluster bench: three replicas on a real Kafka broker against one bridge in single mode ==");
    System.out.println("machine: " + Harness.machine() + " (shared: other builds may run; figures are noisy)");
    System.out.printf(Locale.ROOT, "load: %,.0f spans/s offered for %.0f s over %d connections; X-Ray %.1f traces/s; session timeout %s,"
        + " %d partitions%n", rate, duration, connections, xrayRate, session, partitions);

    // ---- 1. single mode ----
    Stats single;
    double singleSeconds;
    AtomicLong seq1 = Harness.newSequence();
    try (FakeAgent agent = new FakeAgent(Harness.freePort(), capacity).up();
         XRayFeeder xray = new XRayFeeder(Harness.freePort(), seq1, capacity, "bench")) {
      BridgeProcess b = Harness.bridge(jar, out.resolve("single"), agent.port(), xray.endpoint(), pidFile);
      LoadBench.deleteRecursively(b.workDir.resolve("data"));
      try {
        b.start();
        if (!b.awaitUp(Duration.ofSeconds(120))) throw new IllegalStateException("single mode did not come up: " + b.workDir);
        LoadGenerator g = new LoadGenerator(b.receiverPort, connections, groups, rate, "bench", seq1, capacity);
        xray.joinWith(g.joinable, Duration.ZERO);
        xray.start(xrayRate);
        g.run(5, System.nanoTime());
        long t = System.nanoTime();
        single = g.run(duration, t);
        singleSeconds = (System.nanoTime() - t) / 1e9;
        xray.stop();
      } finally {
        b.close();
      }
    }
    System.out.printf(Locale.ROOT, "single mode: accepted %,.0f spans/s, p50 %.2f ms, p99 %.2f ms%n", single.spansOk / singleSeconds,
        single.latencyMs(0.5), single.latencyMs(0.99));

    // ---- 2. three replicas on Kafka ----
    AtomicLong sequence = Harness.newSequence();
    try (KafkaBroker broker = KafkaBroker.in(out.resolve("kafka")).pidFile(pidFile).start();
         FakeAgent agent = new FakeAgent(Harness.freePort(), capacity).up();
         XRayFeeder xray = new XRayFeeder(Harness.freePort(), sequence, capacity, "bench")) {
      BridgeProcess[] r = new BridgeProcess[3];
      for (int i = 0; i < 3; i++) {
        r[i] = Harness.bridge(jar, out.resolve("r" + (i + 1)), agent.port(), xray.endpoint(), pidFile, List.of(
            "--bridge.cluster.mode=kafka", "--bridge.cluster.replica-id=r" + (i + 1),
            "--bridge.cluster.kafka.bootstrap-servers=" + broker.bootstrapServers(), "--bridge.cluster.kafka.partitions=" + partitions,
            "--bridge.cluster.kafka.replication-factor=1", "--bridge.cluster.kafka.session-timeout=" + session,
            "--bridge.cluster.kafka.drain-timeout=5s"));
        LoadBench.deleteRecursively(r[i].workDir.resolve("data"));
        r[i].start();
      }
      try {
        for (BridgeProcess b : r) if (!b.awaitUp(Duration.ofSeconds(180))) throw new IllegalStateException("replica down: " + b.workDir);
        awaitServed(partitions, Duration.ofSeconds(120), r);
        LoadGenerator[] g = new LoadGenerator[3];
        for (int i = 0; i < 3; i++) {
          g[i] = new LoadGenerator(r[i].receiverPort, Math.max(1, connections / 3), groups, rate / 3, "bench", sequence, capacity);
        }
        xray.joinWith(g[0].joinable, Duration.ZERO);
        xray.start(xrayRate);
        Stats[] stats = new Stats[3];
        long[] ended = new long[3];
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
          int n = i;
          Thread t = new Thread(() -> {
            try {
              stats[n] = g[n].run(duration, t0);
              ended[n] = System.nanoTime();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }, "generator-" + i);
          t.start();
          threads.add(t);
        }
        Thread.sleep((long) (duration * 400));
        int k = ownerOfSource(r);
        double joinedBefore = joined(r[k]);
        long killedAt = System.nanoTime();
        r[k].kill9();
        BridgeProcess[] others = {r[(k + 1) % 3], r[(k + 2) % 3]};
        double[] back = awaitFailover(partitions, Duration.ofSeconds(120), killedAt, others);
        double partitionsBack = back[0];
        double sourceBack = back[1];
        r[k].start();
        r[k].awaitUp(Duration.ofSeconds(180));
        for (Thread t : threads) t.join();
        double seconds = (java.util.Arrays.stream(ended).max().orElseThrow() - t0) / 1e9;
        xray.stop();
        Stats all = new Stats();
        for (Stats s : stats) all.add(s);
        double quiet = settle(agent, r, Duration.ofSeconds(180));

        // ---- figures ----
        long acked = 0, lost = 0, lostX = 0;
        for (int w = 0; w < agent.received.words(); w++) {
          long a = 0;
          for (LoadGenerator x : g) a |= x.acked.word(w);
          long got = agent.received.word(w);
          acked += Long.bitCount(a);
          lost += Long.bitCount(a & ~got);
          lostX += Long.bitCount(xray.stored.word(w) & ~got);
        }
        long redelivered = 0;
        double joinedNow = 0;
        for (BridgeProcess b : r) {
          redelivered += (long) nz(b.metric("bridge.cluster.redelivered.spans", null));
          joinedNow += joined(b);
        }
        double xrayJoined = joinedNow + joinedBefore;
        System.out.printf(Locale.ROOT, "cluster: accepted %,.0f spans/s over %.0f s (%,d payloads 200, %,d 429, %,d without an answer while"
                + " a replica was down), p50 %.2f ms, p99 %.2f ms; replica r%d (polling X-Ray) killed -9 at +%.0f s and restarted;"
                + " settled %s%n", all.spansOk / seconds, seconds, all.ok, all.status429, all.ioErrors + all.connectRefused,
            all.latencyMs(0.5), all.latencyMs(0.99), k + 1, duration * 0.4,
            quiet >= 0 ? String.format(Locale.ROOT, "in %.1f s", quiet) : "NOT within the bound");
        System.out.println();
        System.out.println("== kafka mode (3 replicas + broker + generator on one machine) against single mode, same run ==");
        System.out.printf(Locale.ROOT, "RATIO accepted spans/s  cluster / single = %s  (%,.0f / %,.0f; target ≥ 0.5)%n",
            ratio(all.spansOk / seconds, single.spansOk / singleSeconds), all.spansOk / seconds, single.spansOk / singleSeconds);
        System.out.printf(Locale.ROOT, "RATIO p50 answer time   cluster / single = %s  (%.2f ms / %.2f ms)%n",
            ratio(all.latencyMs(0.5), single.latencyMs(0.5)), all.latencyMs(0.5), single.latencyMs(0.5));
        System.out.printf(Locale.ROOT, "RATIO p99 answer time   cluster / single = %s  (%.2f ms / %.2f ms)%n",
            ratio(all.latencyMs(0.99), single.latencyMs(0.99)), all.latencyMs(0.99), single.latencyMs(0.99));
        System.out.printf(Locale.ROOT, "LOST spans answered 200 and never at the Agent: %,d of %,d (target 0); X-Ray spans stored and not"
            + " at the Agent: %,d%n", lost, acked, lostX);
        System.out.printf(Locale.ROOT, "TWICE spans the Agent got twice: %,d; counted redelivered by the replicas: %,d (target: only the"
            + " killed replica's uncommitted window)%n", agent.duplicates.get(), redelivered);
        System.out.printf(Locale.ROOT, "RATIO X-Ray halves joined / X-Ray halves of native traces = %s  (%,.0f / %,d: joined outcomes of"
            + " the replicas, the killed one's read just before the kill; a half read again after the kill counts again; target 1.0)%n", ratio(xrayJoined, xray.joinedTraces.get()), xrayJoined, xray.joinedTraces.get());
        System.out.printf(Locale.ROOT, "FAILOVER the dead replica's partitions served again after %.1f s, its X-Ray source polled again after"
            + " %.1f s (session timeout %s; goal ≤ 30 s)%n", partitionsBack, sourceBack, session);
        for (BridgeProcess b : r) b.terminate(Duration.ofSeconds(60));
        System.exit(lost == 0 ? 0 : 1);
      } finally {
        for (BridgeProcess b : r) b.close();
      }
    }
  }

  private static double nz(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  /** X-Ray halves a replica joined to their native half ({@code bridge.stitch.outcomes{outcome=joined}}). */
  private static double joined(BridgeProcess b) {
    return nz(b.metric("bridge.stitch.outcomes", "outcome:joined"));
  }

  private static JsonNode cluster(BridgeProcess b) {
    JsonNode h = b.health();
    return h == null ? null : h.path("components").path("cluster").path("details");
  }

  /** Nanoseconds until {@code among} own every partition between them, none rebuilding. */
  private static long awaitServed(int partitions, Duration bound, BridgeProcess... among) throws InterruptedException {
    long t0 = System.nanoTime();
    double[] back = awaitFailover(partitions, bound, t0, among);
    if (Double.isNaN(back[0])) throw new IllegalStateException("partitions not all served within " + bound);
    return System.nanoTime() - t0;
  }

  /**
   * Seconds from {@code since} until {@code among} own every partition between them, none rebuilding
   * ([0]), and until one of them polls the X-Ray source ([1]); NaN for what did not happen within {@code bound}.
   */
  private static double[] awaitFailover(int partitions, Duration bound, long since, BridgeProcess... among) throws InterruptedException {
    double[] back = {Double.NaN, Double.NaN};
    while (System.nanoTime() - since < bound.toNanos() && (Double.isNaN(back[0]) || Double.isNaN(back[1]))) {
      Set<Integer> owned = new HashSet<>();
      boolean rebuilding = false;
      boolean source = false;
      for (BridgeProcess b : among) {
        JsonNode c = cluster(b);
        if (c == null) continue;
        rebuilding |= !c.path("rebuilding").isEmpty();
        source |= !c.path("sources").isEmpty();
        c.path("partitions").forEach(p -> owned.add(p.asInt()));
      }
      double now = (System.nanoTime() - since) / 1e9;
      if (Double.isNaN(back[0]) && owned.size() == partitions && !rebuilding) back[0] = now;
      if (Double.isNaN(back[1]) && source) back[1] = now;
      Thread.sleep(200);
    }
    return back;
  }

  private static int ownerOfSource(BridgeProcess[] r) {
    for (int i = 0; i < r.length; i++) {
      JsonNode c = cluster(r[i]);
      if (c != null && !c.path("sources").isEmpty()) return i;
    }
    return 0;
  }

  /** Seconds until every replica holds nothing and the fake Agent's count has not moved for 5 s; negative past the bound. */
  private static double settle(FakeAgent agent, BridgeProcess[] r, Duration bound) throws InterruptedException {
    long start = System.nanoTime();
    long last = -1;
    long stableSince = start;
    while (System.nanoTime() - start < bound.toNanos()) {
      long n = agent.spans.get();
      if (n != last) {
        last = n;
        stableSince = System.nanoTime();
      }
      long inFlight = 0;
      for (BridgeProcess b : r) {
        JsonNode p = b.pipeline();
        inFlight += p == null ? 1 : p.path("inFlight").asLong();
      }
      if (inFlight == 0 && System.nanoTime() - stableSince > 5_000_000_000L) return (System.nanoTime() - start) / 1e9;
      Thread.sleep(500);
    }
    return -1;
  }
}
