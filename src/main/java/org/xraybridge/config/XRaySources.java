package org.xraybridge.config;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SourceOwner;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRaySink;
import org.xraybridge.ops.MicrometerXRaySourceMetrics;
import org.xraybridge.source.poll.CheckpointStore;
import org.xraybridge.source.xray.SourceCredentials;
import org.xraybridge.source.xray.XRayCheckpoint;
import org.xraybridge.source.xray.XRayClients;
import org.xraybridge.source.xray.XRayPoller;
import org.xraybridge.source.xray.XRaySourceSettings;
import org.xraybridge.source.xray.XRaySourceStatus;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsAsyncClient;
import software.amazon.awssdk.services.xray.XRayAsyncClient;

/**
 * The bridge's X-Ray sources — one per account and region — each started and stopped on its own, so
 * a source can move to another replica (kafka mode) without touching the others, and one source's
 * trouble (throttled, denied, down) stays its own: every source has its own client, credentials,
 * rate limiters, circuit breaker, checkpoint and metrics, and all of them hand on to the same sink
 * (docs/xray-source.md "Several accounts and regions").
 *
 * <p>A stopped source is started again as a new {@link XRayPoller} that resumes from its checkpoint;
 * its clients, credentials and metrics are kept for the bridge's lifetime. Thread-safe; start and stop
 * do I/O and are for a lifecycle thread. In kafka mode the sources group decides which sources run
 * here ({@link SourceOwner}: acquired, released, lost; docs/cluster.md "Sources"), not {@link #startAll()}.
 */
final class XRaySources implements SourceOwner, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XRaySources.class);

  /**
   * What one source is built from.
   *
   * @param converter the source's segment converter (its env is the source's)
   * @param spanRecords the source's converter of {@code aws/spans} records (the logs path)
   * @param metrics the source's meters, tagged with its name, account and region
   */
  record Spec(XRaySourceSettings settings, TraceConverter converter, TraceConverter spanRecords, MicrometerXRaySourceMetrics metrics) {
    Spec {
      Objects.requireNonNull(settings, "settings == null");
      Objects.requireNonNull(converter, "converter == null");
      Objects.requireNonNull(spanRecords, "spanRecords == null");
      Objects.requireNonNull(metrics, "metrics == null");
    }
  }

  /** Filled once, by the constructor: read without the lock. */
  private final Map<String, Unit> units = new LinkedHashMap<>();
  private final AwsCredentialsProvider baseCredentials;
  private final SdkEventLoopGroup eventLoops;
  private final Function<XRaySourceSettings, CheckpointStore<XRayCheckpoint>> checkpoints;
  private final XRaySink sink;
  private final Ledger ledger;
  private final Clock clock;
  /** Kafka mode: sources come and go with the election, and only those polled here are shown. */
  private volatile boolean elected;

  /**
   * @param baseCredentials the bridge's own credentials: they sign every call of a source without a
   *     role, and the {@code AssumeRole} calls of the others
   * @param eventLoops the Netty event loops every source's client shares (closed by the caller); null
   *     when there is no source
   * @param checkpoints the store of each source's checkpoint: a file per source, or a shared store
   */
  XRaySources(
      List<Spec> specs,
      AwsCredentialsProvider baseCredentials,
      SdkEventLoopGroup eventLoops,
      Function<XRaySourceSettings, CheckpointStore<XRayCheckpoint>> checkpoints,
      XRaySink sink,
      Ledger ledger,
      Clock clock) {
    for (Spec s : specs) {
      if (units.put(s.settings().name(), new Unit(s)) != null) {
        throw new IllegalArgumentException("two X-Ray sources are named " + s.settings().name());
      }
    }
    this.baseCredentials = Objects.requireNonNull(baseCredentials, "baseCredentials == null");
    this.eventLoops = eventLoops;
    if (eventLoops == null && !units.isEmpty()) throw new IllegalArgumentException("eventLoops == null");
    this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints == null");
    this.sink = Objects.requireNonNull(sink, "sink == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
  }

  /** The sources' names, in configuration order. */
  List<String> names() {
    return List.copyOf(units.keySet());
  }

  boolean isEmpty() {
    return names().isEmpty();
  }

  /**
   * Starts every source that is not running; when one cannot start (a corrupt checkpoint), stops the
   * ones this call started and throws, so start-up stops with that source's message.
   */
  synchronized void startAll() {
    List<String> started = new ArrayList<>();
    try {
      for (String name : units.keySet()) {
        if (units.get(name).running == null) {
          start(name);
          started.add(name);
        }
      }
    } catch (RuntimeException e) {
      for (String name : started) {
        try {
          stop(name);
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * Starts source {@code name}: a new poller resumes from its checkpoint and polls on its own timer.
   * Nothing when it runs already.
   *
   * @throws org.xraybridge.source.poll.CheckpointException when its checkpoint is corrupt or unwritable
   */
  synchronized void start(String name) {
    Unit u = unit(name);
    if (u.running != null) return;
    XRaySourceSettings settings = u.spec.settings();
    if (u.client == null) {
      u.credentials = SourceCredentials.of(settings, baseCredentials);
      u.client = XRayClients.create(settings, u.credentials.provider(), eventLoops);
      // the logs path of Transaction Search, when the source may take it
      if (settings.search().mayReadLogs()) u.logs = XRayClients.createLogs(settings, u.credentials.provider(), eventLoops);
    }
    XRayPoller poller = new XRayPoller(settings, u.client, Optional.ofNullable(u.logs), checkpoints.apply(settings),
        u.spec.converter(), u.spec.spanRecords(), sink, ledger, u.spec.metrics(), clock);
    poller.start();
    u.running = poller;
  }

  /** Stops source {@code name} and writes its final checkpoint; nothing when it is not running. */
  synchronized void stop(String name) {
    Unit u = unit(name);
    if (u.running == null) return;
    try {
      u.running.stop();
    } finally {
      u.last = u.running;
      u.running = null;
    }
  }

  /**
   * Stops source {@code name} without a final checkpoint (another replica may own it already);
   * nothing when it is not running.
   */
  synchronized void abandon(String name) {
    Unit u = unit(name);
    if (u.running == null) return;
    try {
      u.running.abandon();
    } finally {
      u.last = null;
      u.running = null;
    }
  }

  /** Kafka mode: the election starts and stops the sources, and {@link #statuses()} shows only those polled here. */
  synchronized void elected() {
    elected = true;
  }

  /** Starts {@code source}; a checkpoint that cannot be read throws (the election tries again later). */
  @Override
  public void acquired(String source) {
    start(source);
    log.info("X-Ray source {} is polled by this replica now", source);
  }

  @Override
  public void released(String source) {
    try {
      stop(source);
    } catch (RuntimeException e) {
      log.warn("X-Ray source {} did not stop cleanly", source, e);
    }
    forget(source);
  }

  @Override
  public void lost(String source) {
    abandon(source);
  }

  private synchronized void forget(String source) {
    if (elected) unit(source).last = null;
  }

  /** Stops every source, each on its own: one that fails to stop does not keep the others running. */
  synchronized void stopAll() {
    for (String name : units.keySet()) {
      try {
        stop(name);
      } catch (RuntimeException e) {
        log.warn("X-Ray source {} did not stop cleanly", name, e);
      }
    }
  }

  /** The poller of source {@code name} while it runs. */
  Optional<XRayPoller> running(String name) {
    return Optional.ofNullable(unit(name).running);
  }

  /**
   * Each source's status (of its running poller, else of the last one), in configuration order. Not
   * under the lock: a start or stop holds it across checkpoint I/O (seconds against a slow Kafka), and
   * health must answer meanwhile.
   */
  Map<String, XRaySourceStatus> statuses() {
    Map<String, XRaySourceStatus> out = new LinkedHashMap<>();
    for (Map.Entry<String, Unit> e : units.entrySet()) {
      XRayPoller running = e.getValue().running;
      XRayPoller p = running != null ? running : e.getValue().last;
      if (elected && running == null) continue;
      if (p != null) out.put(e.getKey(), p.status());
    }
    return out;
  }

  /** Stops every source, then closes their clients and credentials. */
  @Override
  public synchronized void close() {
    stopAll();
    for (Unit u : units.values()) {
      if (u.client != null) {
        try {
          u.client.close();
        } catch (RuntimeException e) {
          log.warn("closing the X-Ray client of source {}", u.spec.settings().name(), e);
        }
      }
      if (u.logs != null) {
        try {
          u.logs.close();
        } catch (RuntimeException e) {
          log.warn("closing the CloudWatch Logs client of source {}", u.spec.settings().name(), e);
        }
      }
      if (u.credentials != null) {
        try {
          u.credentials.close();
        } catch (RuntimeException e) {
          log.warn("closing the credentials of source {}", u.spec.settings().name(), e);
        }
      }
      u.client = null;
      u.logs = null;
      u.credentials = null;
    }
  }

  private Unit unit(String name) {
    Unit u = units.get(name);
    if (u == null) throw new IllegalArgumentException("no X-Ray source is named " + name);
    return u;
  }

  /**
   * One source: what it is built from, its clients once made, and its poller. Written under the outer
   * lock; the pollers are also read without it (status).
   */
  private static final class Unit {
    final Spec spec;
    SourceCredentials credentials;
    XRayAsyncClient client;
    CloudWatchLogsAsyncClient logs;
    volatile XRayPoller running;
    volatile XRayPoller last;

    Unit(Spec spec) {
      this.spec = spec;
    }
  }
}
