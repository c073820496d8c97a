package org.xraybridge.config;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.util.unit.DataSize;
import org.xraybridge.demo.EmulatorStore;
import org.xraybridge.model.Secret;
import org.xraybridge.model.Span;
import org.xraybridge.model.StitchListener;
import org.xraybridge.ops.DropLedger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The production pipeline, built by the same {@link Pipeline} class the application uses, for tests:
 * emulator source (no demo), receiver on a free port, the embedded forward sink, data in a temp dir.
 */
public final class TestPipelines {
  private TestPipelines() {}

  public static Running embedded(Path dir, String env) {
    return embedded(dir, env, StitchListener.NONE);
  }

  public static Running embedded(Path dir, String env, StitchListener listener) {
    XRayProperties xray = new XRayProperties(XRayProperties.Source.EMULATOR, "", "", Duration.ofMillis(500), Duration.ZERO,
        Duration.ofMinutes(5), Duration.ofMinutes(15), "", dir.resolve("checkpoint.json"), env, Duration.ofMinutes(10), 50, 50, 2);
    Pipeline p = new Pipeline(xray, daemon(), receiver(0), merge(), forward(dir), convert(), new DemoProperties(false, Duration.ofSeconds(5)),
        single(), listener, new SimpleMeterRegistry(), Clock.systemUTC(), DefaultCredentialsProvider.builder().build());
    p.start();
    return new Running(p);
  }

  /**
   * The production pipeline reading several accounts: {@code bridge.xray.source=aws} with
   * {@code bridge.xray.sources}, the bridge's own credentials {@code awsCredentials} (they sign the
   * {@code AssumeRole} calls), 500 ms polls with no lag; receiver and forward sink as {@link #embedded}.
   */
  public static Running accounts(Path dir, String env, List<XRaySourceProperties> sources,
      software.amazon.awssdk.auth.credentials.AwsCredentialsProvider awsCredentials) {
    XRayProperties xray = new XRayProperties(XRayProperties.Source.AWS, "", "", Duration.ofMillis(500), Duration.ZERO,
        Duration.ofMinutes(5), Duration.ofMinutes(15), "", dir.resolve("xray-checkpoint.json"), env, Duration.ofMinutes(10), 50, 50, 2,
        sources);
    Pipeline p = new Pipeline(xray, daemon(), receiver(0), merge(), forward(dir), convert(), new DemoProperties(false, Duration.ofSeconds(5)),
        single(), StitchListener.NONE, new SimpleMeterRegistry(), Clock.systemUTC(), awsCredentials);
    p.start();
    return new Running(p);
  }

  /**
   * The embedded default with its demo traffic on a receiver port {@code receiverPort} (the demo posts
   * to the configured port), optionally on a Transaction Search account ({@code bridge.demo.transaction-search}),
   * 500 ms polls with no lag, a 200 ms demo interval.
   */
  public static Running demo(Path dir, String env, int receiverPort, boolean transactionSearch) {
    XRayProperties xray = new XRayProperties(XRayProperties.Source.EMULATOR, "", "", Duration.ofMillis(500), Duration.ZERO,
        Duration.ofMinutes(5), Duration.ofMinutes(15), "", dir.resolve("xray-checkpoint.json"), env, Duration.ofMinutes(10), 50, 50, 2);
    Pipeline p = new Pipeline(xray, daemon(), receiver(receiverPort), merge(), forward(dir), convert(),
        new DemoProperties(true, Duration.ofMillis(200), transactionSearch), single(), StitchListener.NONE, new SimpleMeterRegistry(),
        Clock.systemUTC(), DefaultCredentialsProvider.builder().build());
    p.start();
    return new Running(p);
  }

  private static DaemonProperties daemon() {
    return new DaemonProperties(false, "127.0.0.1", 0, "", Duration.ofSeconds(5), Duration.ofSeconds(30), 10_000, DataSize.ofMegabytes(64));
  }

  private static ReceiverProperties receiver(int port) {
    return new ReceiverProperties(true, "127.0.0.1", port, DataSize.ofMegabytes(25), Duration.ofSeconds(5),
        DataSize.ofBytes(240), Duration.ofSeconds(10), Duration.ofSeconds(60), 1000, 0, 2);
  }

  private static ClusterProperties single() {
    return new ClusterProperties(ClusterProperties.Mode.SINGLE, "", new ClusterProperties.Kafka("", "xray-bridge",
        12, 3, "", Duration.ofSeconds(2), DataSize.ofKilobytes(900), Map.of(), true, Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(10)));
  }

  private static MergeProperties merge() {
    return new MergeProperties(Duration.ofMinutes(30), 100_000, Duration.ofMillis(200), 5000, 100_000);
  }

  private static ForwardProperties forward(Path dir) {
    return new ForwardProperties(ForwardProperties.Target.EMBEDDED, URI.create("http://localhost:8126"),
        "datadoghq.com", "", Secret.EMPTY, dir.resolve("spool"), DataSize.ofMegabytes(64), DataSize.ofMegabytes(64),
        DataSize.ofMegabytes(10), Duration.ofSeconds(5), Duration.ofSeconds(5), "test-host", 10, "", "");
  }

  private static ConvertProperties convert() {
    return new ConvertProperties(ConvertProperties.Inferred.SKIP, "", "env", "");
  }

  /** A started pipeline and what a test reads of it. */
  public static final class Running implements AutoCloseable {
    private final Pipeline p;

    Running(Pipeline p) {
      this.p = p;
    }

    public int receiverPort() {
      return p.receiver.port();
    }

    public EmulatorStore store() {
      return p.emulatorStore;
    }

    /** Hands what the merge batch holds to the forward stage and waits until it was delivered. */
    public void flush() {
      p.merge.flush();
      p.forwarder.flush();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (p.forwarder.inFlightSpans() > 0 && System.nanoTime() < deadline) Thread.onSpinWait();
    }

    /** Every span the embedded sink received, grouped by trace id. */
    public Map<Long, List<Span>> forwardedByTrace() {
      Map<Long, List<Span>> out = new LinkedHashMap<>();
      for (List<Span> chunk : p.embeddedSink.snapshot().recentTraces()) {
        for (Span s : chunk) out.computeIfAbsent(s.traceId(), k -> new ArrayList<>()).add(s);
      }
      return out;
    }

    /** Each X-Ray source's status, by name. */
    public Map<String, org.xraybridge.source.xray.XRaySourceStatus> xraySources() {
      return p.xraySources.statuses();
    }

    public DropLedger.Snapshot ledger() {
      return p.ledger.snapshot();
    }

    public long inFlight() {
      return p.inFlightSpans();
    }

    @Override
    public void close() {
      p.stop();
    }
  }
}
