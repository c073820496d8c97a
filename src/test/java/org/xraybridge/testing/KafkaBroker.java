package org.xraybridge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker for tests and benches: one KRaft node in combined mode (broker and
 * controller), run as a child JVM of {@code kafka.Kafka} on the classpath the build writes to
 * {@code target/kafka-broker.classpath} (system property {@code kafka.broker.classpath}; see
 * docs/testing.md). It is a child JVM so that Kafka's own dependencies (Scala, log4j-core, Jackson 2,
 * slf4j 1.7) never meet the bridge's classpath, and so that {@link #kill()} is a real crash.
 *
 * <p>Everything lives in the directory given to {@link #in}: {@code server.properties}, the log dir
 * {@code data/}, {@code broker.log} (WARN, plus the lifecycle lines worth reading after a failure;
 * {@code -Dkafka.broker.log.level=INFO} for everything) and {@code stdout.log}, which also records
 * every start with its time to ready. The first {@link #start()} formats {@code data/}; a later
 * {@link #start()} or {@link #restart()} runs the same broker again on the same ports, cluster id and
 * log dir, so what was written survives. The pid goes to {@link BridgeProcess.Children}, whose
 * shutdown hook kills it when the test JVM exits.
 *
 * <p>Settings beyond a single node's replication factors, all for tests on a small machine:
 * <ul>
 *   <li>{@code broker.session.timeout.ms=1500}, {@code broker.heartbeat.interval.ms=500}: after a
 *       {@link #kill()} the restarted controller keeps the dead registration for the session timeout
 *       and refuses the new one (DUPLICATE_BROKER_REGISTRATION); with the default 9 s a restart took
 *       about 12 s.
 *   <li>{@code log.cleaner.dedupe.buffer.size} 8 MiB: the default 128 MiB is taken from the heap
 *       (resident size 345 MB instead of about 150 MB).
 *   <li>{@code offsets.topic.num.partitions=1} (and the transaction log's): 50 by default, which
 *       slows the first consumer group; {@code group.initial.rebalance.delay.ms=0} (3 s by default).
 *   <li>{@code group.min.session.timeout.ms=1000} so that classic-protocol clients may set the 2–6 s
 *       session timeouts of the failover tests; for {@code group.protocol=consumer} (KIP-848) the
 *       timeouts are the broker's: {@code group.consumer.session.timeout.ms=6000}, heartbeat 1 s,
 *       and a group may lower them to 1 s / 0.5 s (dynamic GROUP config) — a client that sets
 *       {@code session.timeout.ms} with that protocol is refused.
 *   <li>{@code auto.create.topics.enable=false}: tests create their topics, as the bridge must.
 * </ul>
 * Any of them can be overridden with {@link Builder#set}.
 *
 * <p>Measured on the 2-core test machine, with other builds running: at a load average of 3.5–5
 * (the prototype this class comes from) / of 7–13 (repeated starts, stops and kills of this class,
 * and {@code KafkaBrokerTest}):
 * <ul>
 *   <li>first {@link #start()} until an Admin sees the node, format (its own JVM, 0.6–1.6 s)
 *       included: 3.0–6.0 s / 4.2–12.6 s;
 *   <li>{@link #stop()}: 0.3–0.7 s / 0.5–1.0 s; {@link #kill()}: 20–100 ms;
 *   <li>start again after a stop: 2.2–4.7 s / 4.3–9.4 s; after a kill: 3.3–5.4 s / 4.4–7.0 s (about
 *       1 s of it refused as a duplicate registration);
 *   <li>resident size 150 MB when ready, 162 MB after three starts ({@code -Xmx256m}, serial GC, C1
 *       only, which started fastest of the flags tried).
 * </ul>
 * Every start costs a JVM start and Kafka's class loading, which is what the load stretches: share one
 * broker between the tests of a class rather than starting one per test.
 */
public final class KafkaBroker implements AutoCloseable {
  /** Small heap, serial GC, C1 only: the fastest start measured on 2 cores. */
  public static final List<String> JVM_FLAGS = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss512k", "-Djava.awt.headless=true");

  private static final Duration READY_BOUND = Duration.ofSeconds(60);

  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final Map<String, String> overrides;
  private final Path pidFile;
  private final String classpath;
  private final String clusterId = Uuid.randomUuid().toString();
  private volatile Process process;
  private boolean formatted;
  private int starts;

  private KafkaBroker(Builder b) {
    this.dir = b.dir.toAbsolutePath();
    this.overrides = Map.copyOf(b.overrides);
    this.pidFile = b.pidFile;
    this.classpath = brokerClasspath();
    this.port = freePort();
    this.controllerPort = freePort();
    quietClientLogs();
  }

  /** A broker whose files live in {@code dir} (created when missing). */
  public static Builder in(Path dir) {
    return new Builder(dir);
  }

  /** What to start; each setter returns the builder. */
  public static final class Builder {
    private final Path dir;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Path pidFile;

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** A {@code server.properties} entry, over the defaults above. */
    public Builder set(String key, String value) { overrides.put(key, value); return this; }
    /** Also append the broker's pids here, for a bench script's exit trap. */
    public Builder pidFile(Path v) { pidFile = v; return this; }

    public KafkaBroker build() {
      return new KafkaBroker(this);
    }

    /** Built, formatted and started: an Admin client sees it. */
    public KafkaBroker start() {
      KafkaBroker k = build();
      k.start();
      return k;
    }
  }

  /** {@code 127.0.0.1:<port>}, the same across restarts. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path dir() {
    return dir;
  }

  public boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** Resident set size of the broker JVM in kB; -1 when not running. */
  public long rssKb() {
    return alive() ? BridgeProcess.procStatusKb(pid(), "VmRSS") : -1;
  }

  /**
   * Starts the broker (formatting its log dir the first time) and waits until an Admin client sees
   * it; fails with the end of its log when it exits or is not ready within a minute.
   */
  public synchronized void start() {
    if (alive()) throw new IllegalStateException("the broker is already running (pid " + pid() + ")");
    try {
      if (!formatted) {
        writeConfig();
        format();
        formatted = true;
      }
      long t0 = System.nanoTime();
      List<String> cmd = javaCommand("kafka.Kafka", dir.resolve("server.properties").toString());
      appendToStdout("==== start " + (++starts) + ": " + String.join(" ", cmd.subList(0, cmd.indexOf("-cp")))
          + " … kafka.Kafka\n");
      process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile())).start();
      BridgeProcess.Children.add(pidFile, process);
      awaitReady();
      appendToStdout("==== start " + starts + " ready after " + (System.nanoTime() - t0) / 1_000_000 + " ms\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the broker", e);
    }
  }

  /**
   * The same broker again, on the same ports and log dir: a graceful {@link #stop()} first when it
   * is running, then {@link #start()}.
   */
  public synchronized void restart() {
    if (alive()) stop();
    start();
  }

  /** SIGTERM: a controlled shutdown (about half a second); SIGKILL after 30 s. Waits until it is gone. */
  public synchronized void stop() {
    Process p = process;
    if (p == null || !p.isAlive()) return;
    p.destroy();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    awaitGone(p);
  }

  /**
   * SIGKILL, as a crash: unflushed segments are recovered by the next start, which then waits out
   * {@code broker.session.timeout.ms} for its own dead registration. Waits until it is gone.
   */
  public synchronized void kill() {
    Process p = process;
    if (p == null || !p.isAlive()) return;
    p.destroyForcibly();
    awaitGone(p);
  }

  /** Kills the broker: the fastest way down, and its files are left for the test's directory to remove. */
  @Override
  public void close() {
    kill();
  }

  /** {@code server.properties}: a single KRaft node for fast tests on a small machine (see the class comment). */
  Map<String, String> serverProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    // static voters: nothing about the ports is written into the log dir (with
    // controller.quorum.bootstrap.servers the format step records the voter's endpoint)
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dir.resolve("data").toString());
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("group.min.session.timeout.ms", "1000");
    p.put("group.consumer.min.session.timeout.ms", "1000");
    p.put("group.consumer.session.timeout.ms", "6000");
    p.put("group.consumer.min.heartbeat.interval.ms", "500");
    p.put("group.consumer.heartbeat.interval.ms", "1000");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("background.threads", "2");
    p.put("num.recovery.threads.per.data.dir", "1");
    p.put("log.cleaner.threads", "1");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
    p.put("log.cleaner.backoff.ms", "1000");
    p.put("log.index.size.max.bytes", String.valueOf(1024 * 1024));
    p.put("broker.heartbeat.interval.ms", "500");
    p.put("broker.session.timeout.ms", "1500");
    p.putAll(overrides);
    return p;
  }

  private void writeConfig() throws IOException {
    Files.createDirectories(dir);
    StringBuilder props = new StringBuilder();
    serverProperties().forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
    Files.writeString(dir.resolve("server.properties"), props.toString());
    // Kafka 4 logs through log4j2, which without a configuration file prints errors only, to stdout.
    // INFO everywhere is ~4000 lines per start; these three loggers tell why a start failed or was slow.
    String level = System.getProperty("kafka.broker.log.level", "WARN");
    Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
        "status = warn",
        "shutdownHook = disable",
        "appender.file.type = File",
        "appender.file.name = FILE",
        "appender.file.append = true",
        "appender.file.fileName = " + dir.resolve("broker.log"),
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = " + level,
        "rootLogger.appenderRef.file.ref = FILE",
        "logger.raftserver.name = kafka.server.KafkaRaftServer",
        "logger.raftserver.level = INFO",
        "logger.lifecycle.name = kafka.server.BrokerLifecycleManager",
        "logger.lifecycle.level = INFO",
        "logger.cleaner.name = kafka.log.LogCleaner",
        "logger.cleaner.level = INFO",
        ""));
  }

  /** kafka-storage.sh format, in its own short JVM: meta.properties and the bootstrap checkpoint. */
  private void format() throws IOException, InterruptedException {
    Path out = dir.resolve("format.out");
    Process fmt = new ProcessBuilder(javaCommand("kafka.tools.StorageTool", "format", "-t", clusterId,
        "-c", dir.resolve("server.properties").toString(), "--ignore-formatted"))
        .directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
    BridgeProcess.Children.add(pidFile, fmt);
    if (!fmt.waitFor(60, TimeUnit.SECONDS)) {
      fmt.destroyForcibly();
      throw new IllegalStateException("formatting the Kafka log dir took over 60 s: " + Files.readString(out));
    }
    if (fmt.exitValue() != 0) throw new IllegalStateException("formatting the Kafka log dir failed: " + Files.readString(out));
  }

  private List<String> javaCommand(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_FLAGS);
    // snappy and zstd-jni unpack their native libraries into the temporary directory
    cmd.add("-Djava.io.tmpdir=" + dir);
    cmd.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Until {@code describeCluster} lists the node (it then takes produce and fetch requests). */
  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + READY_BOUND.toNanos();
    Map<String, Object> config = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50,
        AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200,
        AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50,
        AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60000);
    Exception last = null;
    try (Admin admin = Admin.create(config)) {
      while (System.nanoTime() < deadline) {
        Process p = process;
        if (!p.isAlive()) throw new IllegalStateException("the Kafka broker exited with " + p.exitValue() + logTail());
        try {
          if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          last = e;
        }
        Thread.sleep(50);
      }
    }
    kill();
    throw new IllegalStateException("the Kafka broker was not ready within " + READY_BOUND.toSeconds() + " s" + logTail(), last);
  }

  private void awaitGone(Process p) {
    try {
      p.onExit().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the Kafka broker (pid " + p.pid() + ") did not end", e);
    }
  }

  private void appendToStdout(String line) throws IOException {
    Files.writeString(dir.resolve("stdout.log"), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The last lines of broker.log and stdout.log, for a failure message. */
  private String logTail() {
    StringBuilder b = new StringBuilder();
    for (String name : List.of("broker.log", "stdout.log")) {
      Path f = dir.resolve(name);
      try {
        if (!Files.exists(f)) continue;
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        b.append("\n---- ").append(f).append(" (last lines)\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
      } catch (IOException | RuntimeException e) {
        b.append("\n(").append(f).append(" unreadable: ").append(e).append(')');
      }
    }
    return b.toString();
  }

  private static String brokerClasspath() {
    Path file = Path.of(System.getProperty("kafka.broker.classpath", "target/kafka-broker.classpath"));
    try {
      String cp = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (cp.isEmpty()) throw new IllegalStateException(file + " is empty");
      return cp;
    } catch (IOException e) {
      throw new IllegalStateException("no Kafka broker classpath at " + file
          + " (Maven writes it at generate-test-resources unless -DskipTests)", e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * kafka-clients logs every client's whole configuration and every reconnect at INFO (115 MB of
   * test report in one failing run of the prototype), and Logback without a configuration file logs
   * DEBUG: WARN for {@code org.apache.kafka} in a test JVM, and ERROR for the NetworkClient, which
   * warns of every failed connection attempt (several a second per client while a test has the
   * broker down on purpose). A Spring context started later sets its own levels.
   */
  private static void quietClientLogs() {
    quiet("org.apache.kafka", ch.qos.logback.classic.Level.WARN);
    quiet("org.apache.kafka.clients.NetworkClient", ch.qos.logback.classic.Level.ERROR);
  }

  private static void quiet(String logger, ch.qos.logback.classic.Level level) {
    if (LoggerFactory.getLogger(logger) instanceof ch.qos.logback.classic.Logger l && l.getLevel() == null) l.setLevel(level);
  }
}
