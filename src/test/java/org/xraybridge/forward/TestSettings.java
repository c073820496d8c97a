package org.xraybridge.forward;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.xraybridge.forward.ForwardSettings.Target;
import org.xraybridge.forward.ForwardSettings.Tuning;
import org.xraybridge.model.Secret;

/**
 * Forward settings for tests: the production defaults ({@code config.ForwardProperties}' and {@link
 * Tuning#DEFAULTS}), changed only where a test says so. Not thread-safe.
 */
public final class TestSettings {
  private final Target target;
  private final URI url;
  private final Path spoolDir;
  private Secret apiKey = Secret.EMPTY;
  private String hostname = "";
  private String env = "none";
  private long maxQueueBytes = 64L << 20;
  private int maxPayloadBytes = 10 << 20;
  private Duration retryBudget = Duration.ofSeconds(30);
  private double errorsPerSecond = 10; // the Agent's errors sampler
  private long spoolMaxBytes = 1L << 30;
  private String ownReceiverHost = "";
  private int ownReceiverPort;
  private Tuning t = Tuning.DEFAULTS;

  private TestSettings(Target target, URI url, Path spoolDir) {
    this.target = target;
    this.url = url;
    this.spoolDir = spoolDir;
  }

  public static TestSettings agent(URI url, Path spoolDir) {
    return new TestSettings(Target.AGENT, url, spoolDir);
  }

  public static TestSettings intake(URI url, Secret apiKey, Path spoolDir) {
    return new TestSettings(Target.INTAKE, url, spoolDir).apiKey(apiKey);
  }

  public ForwardSettings build() {
    return new ForwardSettings(target, url, apiKey, hostname, env, maxQueueBytes, maxPayloadBytes, retryBudget,
        errorsPerSecond, spoolDir, spoolMaxBytes, ownReceiverHost, ownReceiverPort, t, holdUndelivered);
  }

  /** Kafka mode's forward stage: retried until delivered, never spooled. */
  public TestSettings holdUndelivered() { holdUndelivered = true; spoolMaxBytes = 0; return this; }

  private boolean holdUndelivered;

  public TestSettings apiKey(Secret v) { apiKey = v; return this; }
  public TestSettings hostname(String v) { hostname = v; return this; }
  public TestSettings env(String v) { env = v; return this; }
  public TestSettings maxPayloadBytes(int v) { maxPayloadBytes = v; return this; }
  public TestSettings retryBudget(Duration v) { retryBudget = v; return this; }
  public TestSettings errorsPerSecond(double v) { errorsPerSecond = v; return this; }
  public TestSettings spoolMaxBytes(long v) { spoolMaxBytes = v; return this; }
  public TestSettings ownReceiver(String host, int port) { ownReceiverHost = host; ownReceiverPort = port; return this; }

  // ---- tuning -----------------------------------------------------------------------------------

  public TestSettings senderThreads(int v) {
    return tuning(v, t.maxQueuePayloads(), t.flushInterval(), t.connectTimeout(), t.requestTimeout());
  }

  public TestSettings maxQueuePayloads(int v) {
    return tuning(t.senderThreads(), v, t.flushInterval(), t.connectTimeout(), t.requestTimeout());
  }

  public TestSettings flushInterval(Duration v) {
    return tuning(t.senderThreads(), t.maxQueuePayloads(), v, t.connectTimeout(), t.requestTimeout());
  }

  public TestSettings connectTimeout(Duration v) {
    return tuning(t.senderThreads(), t.maxQueuePayloads(), t.flushInterval(), v, t.requestTimeout());
  }

  public TestSettings requestTimeout(Duration v) {
    return tuning(t.senderThreads(), t.maxQueuePayloads(), t.flushInterval(), t.connectTimeout(), v);
  }

  /** Attempts per payload and the backoff between them. */
  public TestSettings retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    t = new Tuning(t.senderThreads(), t.maxQueuePayloads(), t.flushInterval(), t.connectTimeout(), t.requestTimeout(),
        maxAttempts, initialBackoff, maxBackoff, t.circuitFailureRate(), t.circuitWindow(), t.circuitMinimumCalls(),
        t.circuitOpenWait(), t.circuitHalfOpenCalls());
    return this;
  }

  /** When the circuit opens, and how it probes. */
  public TestSettings circuit(float failureRate, int window, int minimumCalls, Duration openWait, int halfOpenCalls) {
    t = new Tuning(t.senderThreads(), t.maxQueuePayloads(), t.flushInterval(), t.connectTimeout(), t.requestTimeout(),
        t.retryMaxAttempts(), t.retryInitialBackoff(), t.retryMaxBackoff(), failureRate, window, minimumCalls, openWait,
        halfOpenCalls);
    return this;
  }

  /** How long the circuit stays open before it probes. */
  public TestSettings circuitOpenWait(Duration v) {
    return circuit(t.circuitFailureRate(), t.circuitWindow(), t.circuitMinimumCalls(), v, t.circuitHalfOpenCalls());
  }

  private TestSettings tuning(int senderThreads, int maxQueuePayloads, Duration flushInterval, Duration connectTimeout,
      Duration requestTimeout) {
    t = new Tuning(senderThreads, maxQueuePayloads, flushInterval, connectTimeout, requestTimeout, t.retryMaxAttempts(),
        t.retryInitialBackoff(), t.retryMaxBackoff(), t.circuitFailureRate(), t.circuitWindow(), t.circuitMinimumCalls(),
        t.circuitOpenWait(), t.circuitHalfOpenCalls());
    return this;
  }
}
