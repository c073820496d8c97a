package org.xraybridge.forward;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.xraybridge.model.Secret;

/**
 * The forward stage's constructor arguments. {@code config.ForwardProperties} validates every
 * configured value, once, naming its key; this record only carries the values (docs/forward.md
 * lists the keys). {@link #toString()} never shows the API key: {@link Secret} prints {@code
 * <redacted>}.
 *
 * @param target the wire the next hop speaks
 * @param url base URL of the next hop: an Agent (or anything that speaks its API, such as the demo's
 *     sink) or the Datadog intake
 * @param apiKey sent to the intake only, never to an Agent
 * @param hostname the intake payloads' host name (the Agent's hostname); blank: this machine's name
 * @param env default env of intake payloads and stats
 * @param maxQueueBytes outbox bound in bytes; {@code saturated()} is true from here
 * @param maxPayloadBytes largest v0.4 request body to an Agent
 * @param retryBudget how long after its first attempt a payload may start another one; an attempt
 *     in flight runs to its request timeout (cutting it short could duplicate the payload)
 * @param errorsPerSecond intake: sampled-out traces with an error still sent per second; 0 off
 * @param spoolDir directory of the disk spool
 * @param spoolMaxBytes spool bound; 0 disables the spool
 * @param ownReceiverHost the host this bridge's own receiver binds ("" when it is off)
 * @param ownReceiverPort its port (0 when it is off): an Agent URL that reaches it is refused
 * @param tuning what nobody configures and tests shorten
 * @param holdUndelivered kafka mode (docs/cluster.md): a payload is retried until delivered, never
 *     spooled, and every payload reports its spans' outcome to its receipts
 */
public record ForwardSettings(
    Target target,
    URI url,
    Secret apiKey,
    String hostname,
    String env,
    long maxQueueBytes,
    int maxPayloadBytes,
    Duration retryBudget,
    double errorsPerSecond,
    Path spoolDir,
    long spoolMaxBytes,
    String ownReceiverHost,
    int ownReceiverPort,
    Tuning tuning,
    boolean holdUndelivered) {

  /** Single mode: undelivered payloads go to the spool. */
  public ForwardSettings(
      Target target, URI url, Secret apiKey, String hostname, String env, long maxQueueBytes, int maxPayloadBytes,
      Duration retryBudget, double errorsPerSecond, Path spoolDir, long spoolMaxBytes, String ownReceiverHost,
      int ownReceiverPort, Tuning tuning) {
    this(target, url, apiKey, hostname, env, maxQueueBytes, maxPayloadBytes, retryBudget, errorsPerSecond, spoolDir, spoolMaxBytes,
        ownReceiverHost, ownReceiverPort, tuning, false);
  }

  /** The wire of the next hop. */
  public enum Target {
    /** A Datadog Agent, msgpack v0.4. */
    AGENT,
    /** The Datadog intake, protobuf + gzip, with APM stats. */
    INTAKE
  }

  /**
   * Delivery tunables. The defaults follow the Agent where it has one: full-jitter backoff from 100
   * ms capped at 10 s, 5 attempts (1 + the Agent's 4 retries).
   *
   * @param senderThreads concurrent requests to the next hop
   * @param maxQueuePayloads outbox bound in payloads
   * @param flushInterval an open v0.4 payload is sent at the latest after this long
   * @param connectTimeout TCP/TLS connect timeout
   * @param requestTimeout timeout of one request
   * @param retryMaxAttempts attempts per payload, first included
   * @param retryInitialBackoff backoff ceiling after the first failure (doubles each time)
   * @param retryMaxBackoff backoff ceiling cap
   * @param circuitFailureRate failure rate (percent) over the window that opens the circuit
   * @param circuitWindow number of recent calls the failure rate is computed over
   * @param circuitMinimumCalls calls needed before the rate is judged
   * @param circuitOpenWait how long the circuit stays open before probing
   * @param circuitHalfOpenCalls probe calls while half-open
   */
  public record Tuning(
      int senderThreads,
      int maxQueuePayloads,
      Duration flushInterval,
      Duration connectTimeout,
      Duration requestTimeout,
      int retryMaxAttempts,
      Duration retryInitialBackoff,
      Duration retryMaxBackoff,
      float circuitFailureRate,
      int circuitWindow,
      int circuitMinimumCalls,
      Duration circuitOpenWait,
      int circuitHalfOpenCalls) {

    public static final Tuning DEFAULTS = new Tuning(2, 256, Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(15), 5, Duration.ofMillis(100), Duration.ofSeconds(10), 50, 20, 10, Duration.ofSeconds(30), 2);
  }
}
