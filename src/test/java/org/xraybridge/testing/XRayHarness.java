package org.xraybridge.testing;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.otel.SpanRecordConverter;
import org.xraybridge.demo.EmulatorStore;
import org.xraybridge.demo.SpanLogStore;
import org.xraybridge.demo.TransactionSearchAccount;
import org.xraybridge.demo.XRayEmulator;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRaySink;
import org.xraybridge.ops.MicrometerXRaySourceMetrics;
import org.xraybridge.source.poll.CheckpointStore;
import org.xraybridge.source.poll.FileCheckpointStore;
import org.xraybridge.source.poll.PollCursor;
import org.xraybridge.source.poll.PollOutcome;
import org.xraybridge.source.xray.XRayCheckpoint;
import org.xraybridge.source.xray.XRayCheckpointFormat;
import org.xraybridge.source.xray.XRayClients;
import org.xraybridge.source.xray.XRayPoller;
import org.xraybridge.source.xray.XRaySourceSettings;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsAsyncClient;
import software.amazon.awssdk.services.xray.XRayAsyncClient;

/**
 * An X-Ray source against a real emulator on a loopback port, through the real AWS SDK client, with a
 * hand-moved clock shared by the source and the emulator, and short intervals. The public fields are
 * the source's settings: change them before building a poller. Close it after each test.
 */
public final class XRayHarness implements AutoCloseable {
  public static final Instant T0 = Instant.parse("2026-11-29T06:00:00Z");
  public static final StaticCredentialsProvider FAKE_CREDENTIALS = XRayEmulator.CREDENTIALS;

  /** One event loop group for every client of the test run: closing a client then costs no Netty shutdown. */
  public static final SdkEventLoopGroup EVENT_LOOPS = SdkEventLoopGroup.builder().numberOfThreads(2).build();

  public final MutableClock clock = new MutableClock(T0);
  public final EmulatorStore store = new EmulatorStore(clock);
  /** The account's CloudWatch Logs ({@code aws/spans} with Transaction Search), on the same emulator. */
  public final SpanLogStore spanLogs = new SpanLogStore(clock);
  /** What the emulator's next calls meet: switch faults here. */
  public final EmulatorFaults faults = new EmulatorFaults();
  public final XRayEmulator emulator = XRayEmulator.start(store, spanLogs, "127.0.0.1", 0, faults);
  public final TestLedger ledger = new TestLedger();
  public final Path dir;
  public final List<XRayAsyncClient> clients = new ArrayList<>();
  public final List<CloudWatchLogsAsyncClient> logsClients = new ArrayList<>();
  public final List<XRayPoller> pollers = new ArrayList<>();

  public Duration pollInterval = Duration.ofSeconds(1);
  public Duration lag = Duration.ofSeconds(1);
  public Duration overlap = Duration.ofSeconds(30);
  public Duration maxWindow = Duration.ofMinutes(5);
  public Duration inProgressTimeout = Duration.ofMinutes(2);
  public int batchConcurrency = 2;
  public double tracesPerSecond = 500;
  public Path checkpointFile;
  public Duration checkpointInterval = XRaySourceSettings.Tuning.DEFAULTS.checkpointInterval();
  public Duration apiAttemptTimeout = XRaySourceSettings.Tuning.DEFAULTS.apiAttemptTimeout();
  public XRaySourceSettings.Retry retry = new XRaySourceSettings.Retry(4, Duration.ofMillis(10), Duration.ofMillis(80), 0.5);
  public XRaySourceSettings.Circuit circuit = XRaySourceSettings.Tuning.DEFAULTS.circuit();
  /** Transaction Search: the mode, {@code aws/spans} on the emulator, a high FilterLogEvents rate, short waits. */
  public XRaySourceSettings.Search.Mode transactionSearch = XRaySourceSettings.Search.Mode.AUTO;
  public int maxLogPagesPerPoll = XRaySourceSettings.SearchTuning.DEFAULTS.maxLogPagesPerPoll();
  public Duration destinationRecheck = XRaySourceSettings.SearchTuning.DEFAULTS.destinationRecheck();
  public Duration retrievalTimeout = Duration.ofSeconds(20);
  public int maxHeldEvents = XRaySourceSettings.SearchTuning.DEFAULTS.maxHeldEvents();
  public int maxPagesPerPoll = XRaySourceSettings.Tuning.DEFAULTS.maxPagesPerPoll();
  /** The store a new poller keeps its checkpoint in: the file {@link #checkpointFile} unless a test says otherwise. */
  public Supplier<CheckpointStore<XRayCheckpoint>> checkpointStore = this::checkpoints;

  public XRayHarness(Path dir) {
    this.dir = dir;
    this.checkpointFile = dir.resolve("data/xray-checkpoint.json");
  }

  /** The settings the fields say. */
  public XRaySourceSettings settings() {
    XRaySourceSettings.Tuning d = XRaySourceSettings.Tuning.DEFAULTS;
    return new XRaySourceSettings(
        "default", "us-east-1", emulator.endpoint().toString(), new PollCursor.Timing(pollInterval, lag, overlap, maxWindow),
        "", inProgressTimeout, 500, tracesPerSecond, batchConcurrency, XRaySourceSettings.Role.NONE,
        new XRaySourceSettings.Search(transactionSearch, TransactionSearchAccount.SPANS, emulator.endpoint().toString(), 500,
            new XRaySourceSettings.SearchTuning(destinationRecheck, maxLogPagesPerPoll, maxHeldEvents, 16L << 20, 500,
                Duration.ofMillis(20),
                retrievalTimeout)),
        new XRaySourceSettings.Tuning(checkpointInterval, 500, retry, circuit, d.apiCallTimeout(), apiAttemptTimeout,
            Duration.ofMinutes(10), d.maxTrackedIds(), maxPagesPerPoll));
  }

  /** The real converter of {@code aws/spans} records, env {@code none}, on the harness's clock and ledger. */
  public SpanRecordConverter recordConverter() {
    return new SpanRecordConverter(
        new ConvertOptions(false, Map.of(), "env", Map.of(), "none", inProgressTimeout), ledger, clock);
  }

  /**
   * A poller that can read Transaction Search accounts — the X-Ray client, and the CloudWatch Logs one
   * on the same emulator — opened but not started.
   */
  public XRayPoller searchPoller(XRaySink sink, TraceConverter converter, TraceConverter records, MeterRegistry registry) {
    XRaySourceSettings s = settings();
    CloudWatchLogsAsyncClient logs = XRayClients.createLogs(s, FAKE_CREDENTIALS, EVENT_LOOPS);
    logsClients.add(logs);
    XRayPoller p = new XRayPoller(s, client(), Optional.of(logs), checkpointStore.get(), converter, records, sink, ledger,
        new MicrometerXRaySourceMetrics(registry, Tags.empty()), clock);
    pollers.add(p);
    p.open();
    return p;
  }

  public XRayAsyncClient client() {
    XRayAsyncClient c = XRayClients.create(settings(), FAKE_CREDENTIALS, EVENT_LOOPS);
    clients.add(c);
    return c;
  }

  public StubConverter converter() {
    return new StubConverter(ledger, clock, inProgressTimeout);
  }

  /** The checkpoint file, as the source reads and writes it. */
  public FileCheckpointStore<XRayCheckpoint> checkpoints() {
    return new FileCheckpointStore<>(checkpointFile, "bridge.xray.checkpoint-file", new XRayCheckpointFormat());
  }

  /** A poller, neither opened nor started. */
  public XRayPoller newPoller(XRaySink sink, TraceConverter converter, MeterRegistry registry) {
    XRayPoller p = new XRayPoller(
        settings(), client(), checkpointStore.get(), converter, sink, ledger, new MicrometerXRaySourceMetrics(registry, Tags.empty()), clock);
    pollers.add(p);
    return p;
  }

  /** A poller, opened (checkpoint loaded) but not started: tests drive {@link XRayPoller#poll()}. */
  public XRayPoller poller(XRaySink sink, TraceConverter converter, MeterRegistry registry) {
    XRayPoller p = newPoller(sink, converter, registry);
    p.open();
    return p;
  }

  public PollOutcome poll(XRayPoller p) {
    return p.poll().block(Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    for (XRayPoller p : pollers) p.stop();
    for (XRayAsyncClient c : clients) c.close();
    for (CloudWatchLogsAsyncClient c : logsClients) c.close();
    emulator.close();
  }
}
