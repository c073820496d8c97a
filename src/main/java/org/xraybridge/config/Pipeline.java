package org.xraybridge.config;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.xraybridge.cluster.ClusterNode;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.convert.otel.SpanRecordConverter;
import org.xraybridge.demo.DemoTraffic;
import org.xraybridge.demo.EmbeddedAgent;
import org.xraybridge.demo.EmulatorStore;
import org.xraybridge.demo.Faults;
import org.xraybridge.demo.SpanLogStore;
import org.xraybridge.demo.TransactionSearchAccount;
import org.xraybridge.demo.XRayEmulator;
import org.xraybridge.forward.Forwarder;
import org.xraybridge.forward.agent.V04ChunkEncoder;
import org.xraybridge.merge.MergeStage;
import org.xraybridge.merge.Stitcher;
import org.xraybridge.merge.TraceIndex;
import org.xraybridge.model.BatchSink;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.Names;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.SharedValues;
import org.xraybridge.model.StitchListener;
import org.xraybridge.model.XRaySink;
import org.xraybridge.ops.DropLedger;
import org.xraybridge.ops.MicrometerClusterMetrics;
import org.xraybridge.ops.MicrometerConnectionMetrics;
import org.xraybridge.ops.MicrometerDaemonMetrics;
import org.xraybridge.ops.MicrometerForwardMetrics;
import org.xraybridge.ops.MicrometerPassThroughMetrics;
import org.xraybridge.ops.MicrometerReceiverMetrics;
import org.xraybridge.ops.MicrometerXRaySourceMetrics;
import org.xraybridge.ops.StitchMetrics;
import org.xraybridge.passthrough.PassThroughStage;
import org.xraybridge.receiver.AgentReceiver;
import org.xraybridge.receiver.V04ChunkDecoder;
import org.xraybridge.source.daemon.DaemonSettings;
import org.xraybridge.source.daemon.XRayDaemonListener;
import org.xraybridge.source.poll.CheckpointStore;
import org.xraybridge.source.poll.FileCheckpointStore;
import org.xraybridge.source.poll.SharedCheckpointStore;
import org.xraybridge.source.poll.PollCursor;
import org.xraybridge.source.xray.XRayCheckpoint;
import org.xraybridge.source.xray.XRayCheckpointFormat;
import org.xraybridge.source.xray.XRaySourceSettings;
import org.xraybridge.source.xray.XRaySourceStatus;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * The whole pipeline, built with plain constructors from the validated properties, and run in data
 * order: forward, merge, then the inputs (receiver, daemon, poller, demo); stopped in reverse, so
 * every input stops taking data before the merge batch flushes, and the forward queue drains (or
 * spools) last, within {@code bridge.forward.shutdown-timeout}.
 *
 * <p>Kafka mode ({@code bridge.cluster.mode=kafka}, docs/cluster.md): the inputs hand their halves to
 * the {@link ClusterNode}'s producer instead of the merge stage, and the node's consumer feeds the
 * merge stage with the partitions this replica owns; the forward stage retries instead of spooling.
 */
public final class Pipeline implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

  final DropLedger ledger;
  final SegmentConverter converter;
  final TraceIndex index;
  final StitchMetrics stitchMetrics;
  final Forwarder forwarder;
  final MicrometerForwardMetrics forwardMetrics;
  final MergeStage merge;
  /** Kafka mode's replica; null in single mode. */
  final ClusterNode cluster;
  final AgentReceiver receiver;
  final MicrometerReceiverMetrics receiverMetrics;
  final MicrometerConnectionMetrics receiverConnectionMetrics;
  final PassThroughStage passThrough;
  final MicrometerPassThroughMetrics passThroughMetrics;
  final XRayDaemonListener daemon;
  /** The daemon input's counts (health shows them); null when the input is off. */
  final MicrometerDaemonMetrics daemonMetrics;
  /** The X-Ray sources, one per account and region; empty when {@code bridge.xray.source=off}. */
  final XRaySources xraySources;
  final EmulatorStore emulatorStore;
  final XRayEmulator emulator;
  final DemoTraffic demo;
  /** The demo's Agent-compatible sink the embedded default forwards to; null otherwise. */
  final EmbeddedAgent embeddedSink;
  /** The Netty event loops every X-Ray source's client shares. */
  private final SdkEventLoopGroup eventLoops;
  private final XRayProperties xray;
  private final ForwardProperties forward;
  private final ReceiverProperties receiverProperties;
  private final DemoProperties demoProperties;
  private volatile boolean running;

  /**
   * @param awsCredentials the bridge's own AWS credentials: they sign the calls of a source without a
   *     role and the {@code AssumeRole} calls of the others (the AWS default chain in production)
   */
  Pipeline(
      XRayProperties xray,
      DaemonProperties daemonProperties,
      ReceiverProperties receiverProperties,
      MergeProperties mergeProperties,
      ForwardProperties forward,
      ConvertProperties convert,
      DemoProperties demoProperties,
      ClusterProperties clusterProperties,
      StitchListener explain,
      MeterRegistry registry,
      Clock clock,
      AwsCredentialsProvider awsCredentials) {
    this.xray = xray;
    this.forward = forward;
    this.receiverProperties = receiverProperties;
    this.demoProperties = demoProperties;
    this.ledger = new DropLedger(registry, clock, Duration.ofMinutes(1));
    String env = xray.env();
    this.converter = new SegmentConverter(StageSettings.convertOptions(convert, xray, env), ledger, clock);

    // The embedded default forwards to the demo's Agent-compatible sink exactly as to an Agent.
    this.embeddedSink = forward.target() == ForwardProperties.Target.EMBEDDED
        ? new EmbeddedAgent(100, (int) forward.maxPayloadBytes().toBytes() + 1024 * 1024, clock)
        : null;
    boolean kafka = clusterProperties.mode() == ClusterProperties.Mode.KAFKA;
    this.forwardMetrics = new MicrometerForwardMetrics(registry);
    this.forwarder = new Forwarder(StageSettings.forwardSettings(forward, env, receiverProperties, embeddedSink, kafka), ledger, forwardMetrics, clock);

    this.index = new TraceIndex(mergeProperties.indexMaxTraces(), mergeProperties.indexTtl(), Ticker.systemTicker(), Scheduler.systemScheduler());
    this.stitchMetrics = new StitchMetrics(registry, index);
    this.cluster = kafka
        ? new ClusterNode(StageSettings.clusterSettings(clusterProperties, mergeProperties, receiverProperties), new V04ChunkEncoder(),
            new V04ChunkDecoder(true), ledger, new MicrometerClusterMetrics(registry), clock)
        : null;
    // kafka mode: the consumer cuts the batches (rounds) itself, bounded by max-batch-spans
    BatchSink mergeOut = kafka ? cluster.batchSink(forwarder) : forwarder;
    this.merge = new MergeStage(index, new Stitcher(index, clock, Names.env(env)), mergeOut, kafka ? cluster.mergeLedger() : ledger,
        StitchListener.both(stitchMetrics, explain), mergeProperties.flushInterval(),
        kafka ? Integer.MAX_VALUE : mergeProperties.maxBatchSpans(), mergeProperties.indexTtl(), mergeProperties.maxSentSpans(),
        Ticker.systemTicker(), Scheduler.systemScheduler(), kafka ? cluster.journal() : MergeJournal.NONE);
    if (kafka) cluster.consumeInto(merge, merge, merge, merge::flush, forwarder::flush);
    NativeSink natives = kafka ? cluster.natives() : merge;
    XRaySink xrays = kafka ? cluster.xrays() : merge;
    // kafka mode: poll-sources=false opts a replica out of the sources' election
    boolean pollHere = !kafka || clusterProperties.kafka().pollSources();

    this.receiverMetrics = new MicrometerReceiverMetrics(registry);
    this.receiverConnectionMetrics = new MicrometerConnectionMetrics(registry, "bridge.receiver");
    this.passThroughMetrics = new MicrometerPassThroughMetrics(registry);
    this.passThrough = new PassThroughStage(StageSettings.passThroughSettings(forward, env), passThroughMetrics, clock);
    this.receiver = receiverProperties.enabled()
        ? new AgentReceiver(StageSettings.receiverSettings(receiverProperties), natives, forwarder, passThrough, ledger, receiverMetrics,
            receiverConnectionMetrics, clock)
        : null;

    this.daemonMetrics = daemonProperties.enabled() ? new MicrometerDaemonMetrics(registry) : null;
    this.daemon = daemonProperties.enabled()
        ? new XRayDaemonListener(daemonSettings(daemonProperties), converter, xrays, ledger, daemonMetrics, clock)
        : null;

    this.eventLoops = xray.source() == XRayProperties.Source.OFF ? null : SdkEventLoopGroup.builder().build();
    List<XRaySources.Spec> specs = new ArrayList<>();
    if (xray.source() == XRayProperties.Source.EMULATOR) {
      this.emulatorStore = new EmulatorStore(clock);
      SpanLogStore spanLogs = new SpanLogStore(clock);
      // bridge.demo.transaction-search: the account sends its spans to CloudWatch Logs, as Transaction Search does
      Faults account = demoProperties.transactionSearch() ? TRANSACTION_SEARCH : Faults.NONE;
      this.emulator = XRayEmulator.start(emulatorStore, spanLogs, "127.0.0.1", 0, account);
      DemoTraffic.SegmentIntake intake = demoProperties.transactionSearch()
          ? new TransactionSearchAccount(emulatorStore, spanLogs)::put
          : emulatorStore::put;
      this.demo = demoProperties.enabled() && receiver != null
          ? new DemoTraffic(intake, URI.create("http://" + StageSettings.loopbackOf(receiverProperties.host()) + ":" + receiverProperties.port()),
              demoProperties.interval(), env, clock, System.nanoTime())
          : null;
      XRaySourceProperties one = xray.effectiveSources().get(0);
      String endpoint = emulator.endpoint().toString();
      specs.add(spec(one.region().isBlank() ? "us-east-1" : one.region(), endpoint,
          one.logsEndpoint().isEmpty() ? endpoint : one.logsEndpoint(), one, convert, registry, clock));
      awsCredentials = XRayEmulator.CREDENTIALS; // the emulator's account: no AWS credentials needed
    } else {
      this.emulatorStore = null;
      this.emulator = null;
      this.demo = null;
      for (XRaySourceProperties s : xray.effectiveSources()) {
        specs.add(spec(StageSettings.awsRegion(s), s.endpoint(), s.logsEndpoint(), s, convert, registry, clock));
      }
    }
    // kafka mode: the replicas that may poll elect each source's poller, and its checkpoint lives in Kafka
    this.xraySources = new XRaySources(pollHere ? specs : List.of(), awsCredentials, eventLoops, checkpointStores(xray, cluster),
        xrays, ledger, clock);
    if (kafka && !xraySources.isEmpty()) {
      xraySources.elected();
      cluster.electSources(xraySources.names(), xraySources);
    }

    Gauge.builder("bridge.spans.in.flight", this, Pipeline::inFlightSpans)
        .description("Spans the merge batch, the forward queue, the senders and the spool hold now").register(registry);
  }

  /** Each source's checkpoint: its file, or in kafka mode the checkpoints topic (seeded once from the file). */
  private static Function<XRaySourceSettings, CheckpointStore<XRayCheckpoint>> checkpointStores(XRayProperties xray, ClusterNode cluster) {
    Function<XRaySourceSettings, CheckpointStore<XRayCheckpoint>> files = settings -> FileCheckpointStore.migrating(
        xray.checkpointFileOf(settings.name()), xray.checkpointFile(), "bridge.xray.checkpoint-file", new XRayCheckpointFormat());
    if (cluster == null) return files;
    SharedValues topic = cluster.checkpoints();
    return settings -> new SharedCheckpointStore<>(topic, settings.name(), new XRayCheckpointFormat(), files.apply(settings));
  }

  /** {@code bridge.daemon.*} → the daemon input; ten documents a trace bound the documents buffered. */
  private DaemonSettings daemonSettings(DaemonProperties d) {
    return new DaemonSettings(d.host(), d.port(), d.relayTo(), d.assemblyWindow(), d.orphanWindow(), xray.inProgressTimeout(),
        d.maxTraces(), d.maxTraces() * 10, d.maxBytes().toBytes(), DaemonSettings.Tuning.DEFAULTS);
  }

  /**
   * One source from {@code bridge.xray.*} and its entry: timing and rates are every source's, region,
   * endpoint, filter, env and role its own; its converter carries its env, its meters its name,
   * account and region.
   */
  private XRaySources.Spec spec(
      String region, String endpoint, String logsEndpoint, XRaySourceProperties s, ConvertProperties convert,
      MeterRegistry registry, Clock clock) {
    XRaySourceSettings.Role role = s.roleArn().isEmpty()
        ? XRaySourceSettings.Role.NONE
        : XRaySourceSettings.Role.of(s.roleArn(), s.externalId(), s.stsEndpoint(), "xray-datadog-bridge-" + s.name());
    XRaySourceSettings.Search search = new XRaySourceSettings.Search(
        XRaySourceSettings.Search.Mode.valueOf(s.transactionSearch().name()), s.spansLogGroup(), logsEndpoint,
        xray.logsPerSecond(), XRaySourceSettings.SearchTuning.DEFAULTS);
    XRaySourceSettings settings = new XRaySourceSettings(s.name(), region, endpoint,
        new PollCursor.Timing(xray.effectivePollInterval(), xray.effectiveLag(), xray.overlap(), xray.maxWindow()),
        s.filterExpression(), xray.inProgressTimeout(), xray.summariesPerSecond(), xray.tracesPerSecond(),
        xray.batchConcurrency(), role, search, XRaySourceSettings.Tuning.DEFAULTS);
    Tags tags = Tags.of("source", settings.name(), "account", settings.account().isEmpty() ? "unknown" : settings.account(),
        "region", settings.region());
    ConvertOptions options = StageSettings.convertOptions(convert, xray, s.env());
    return new XRaySources.Spec(settings, new SegmentConverter(options, ledger, clock), new SpanRecordConverter(options, ledger, clock),
        new MicrometerXRaySourceMetrics(registry, tags));
  }

  /** The embedded account of {@code bridge.demo.transaction-search}: Transaction Search on, nothing else departs from a quiet account. */
  private static final Faults TRANSACTION_SEARCH = new Faults() {
    @Override
    public Destination segmentDestination() {
      return Destination.CLOUDWATCH_LOGS_ACTIVE;
    }
  };

  /** Merge batch + forward queue, senders and spool: the "in flight" of the ledger's identity. */
  public long inFlightSpans() {
    return merge.inFlightSpans() + forwarder.inFlightSpans() + (cluster == null ? 0 : cluster.inFlightSpans());
  }

  @Override
  public synchronized void start() {
    if (running) return;
    List<Runnable> undo = new ArrayList<>();
    try {
      forwarder.start();
      undo.add(() -> forwarder.stop(Duration.ofSeconds(2)));
      if (cluster == null) merge.start(); // kafka mode: the consumer flushes the batch itself, round by round
      undo.add(merge::close);
      if (cluster != null) {
        cluster.start();
        undo.add(cluster::stopConsuming);
        undo.add(cluster::stopProducing);
      }
      passThrough.start();
      undo.add(passThrough::stop);
      if (receiver != null) {
        receiver.start();
        undo.add(receiver::stop);
      }
      if (daemon != null) {
        daemon.start();
        undo.add(daemon::stop);
      }
      if (cluster == null) xraySources.startAll();
      else cluster.startSources(); // the election starts the sources this replica is given
      undo.add(xraySources::stopAll);
      if (cluster != null) undo.add(cluster::stopSources);
      if (demo != null) demo.start();
      running = true;
    } catch (RuntimeException e) {
      for (int i = undo.size() - 1; i >= 0; i--) {
        try {
          undo.get(i).run();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
    describe();
  }

  private void describe() {
    if (receiver != null) {
      log.info("receiver: Datadog tracers can send to http://{}:{} (DD_TRACE_AGENT_URL)", receiverProperties.host(), receiver.port());
    }
    if (daemon != null) log.info("X-Ray daemon input: SDKs can send to udp {}:{} (AWS_XRAY_DAEMON_ADDRESS)", "127.0.0.1", daemon.port());
    switch (forward.target()) {
      case EMBEDDED -> log.info("forwarding to the embedded Agent-compatible sink at {} (records what it gets)", forwarder.endpoint());
      case AGENT -> log.info("forwarding to the Datadog Agent at {}", forward.agentUrl());
      case INTAKE -> log.info("forwarding to the Datadog intake at {} with APM stats", forward.effectiveIntakeUrl());
    }
    if (emulator == null) {
      for (Map.Entry<String, XRaySourceStatus> e : xraySources.statuses().entrySet()) {
        XRaySourceStatus s = e.getValue();
        log.info("X-Ray source {}: polling account {} in region {}", e.getKey(), s.account().isEmpty() ? "(own credentials)" : s.account(),
            s.region());
      }
    }
  }

  /** The one line that tells a new user what the embedded default mode is and where to look. */
  String embeddedBanner(int webPort) {
    return "xray-datadog-bridge is running in EMBEDDED mode: no AWS or Datadog account needed — an X-Ray API emulator at "
        + emulator.endpoint() + (demoProperties.transactionSearch() ? " (a Transaction Search account: spans in aws/spans)" : "")
        + " with demo traffic" + (demo == null ? " (demo off)" : "")
        + ", the embedded Agent sink at " + forwarder.endpoint()
        + (receiver == null ? "" : ", the receiver at http://" + receiverProperties.host() + ":" + receiver.port())
        + ". Open http://localhost:" + webPort + "/ (merged traces) and http://localhost:" + webPort + "/actuator/health";
  }

  boolean embedded() {
    return emulator != null && forward.target() == ForwardProperties.Target.EMBEDDED;
  }

  @Override
  public synchronized void stop() {
    if (!running) return;
    running = false;
    if (demo != null) quietly(demo::stop);
    if (cluster != null) quietly(cluster::stopSources); // hands this replica's sources over, checkpointed
    quietly(xraySources::stopAll);
    if (daemon != null) quietly(daemon::stop);
    if (receiver != null) quietly(receiver::stop);
    if (cluster != null) {
      quietly(cluster::stopProducing); // what the inputs handed in last is sent
      quietly(cluster::stopConsuming); // what was read is delivered and committed before the group is left
    }
    quietly(passThrough::stop);
    quietly(merge::close);
    quietly(() -> forwarder.stop(forward.shutdownTimeout()));
    ledger.logDrops();
    if (emulator != null) quietly(emulator::stop);
    if (embeddedSink != null) quietly(embeddedSink::close);
    quietly(xraySources::close);
    if (eventLoops != null) quietly(() -> eventLoops.eventLoopGroup().shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS));
    DropLedger.Snapshot s = ledger.snapshot();
    log.info("stopped: taken in {} spans, forwarded {}, dropped {}, still held (spool) {}", s.taken(), s.forwarded(), s.dropped(), inFlightSpans());
  }

  private static void quietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("error while stopping", e);
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    // after the web server starts, before it stops: the pipeline stops while health still answers
    return SmartLifecycle.DEFAULT_PHASE - 2048;
  }
}
