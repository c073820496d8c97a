package org.xraybridge.passthrough;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.model.LastError;
import org.xraybridge.model.PassThrough;
import org.xraybridge.passthrough.PassThroughMetrics.Outcome;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

/**
 * Everything else a tracer sends the Agent, by mode (docs/receiver.md, "Everything else a tracer
 * sends"): relayed to the Agent, whose answer goes back unchanged; profiles and telemetry sent to
 * Datadog's intake with the API key; the rest answered as an Agent without that feature answers.
 * Each request counted by family and outcome. {@link #start()} and {@link #stop()} are for the wiring;
 * the rest is thread-safe and never blocks.
 *
 * <p>A stage of its own rather than part of {@code forward}: forward queues, retries, spools and
 * accounts span payloads, none of which applies to a request whose answer a tracer is waiting for;
 * what the two share — where the Agent and the intake are, the API key — is configuration.
 */
public final class PassThroughStage implements PassThrough, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PassThroughStage.class);

  /** Never relayed: the next hop's own, or set here. */
  private static final Set<String> TO_AGENT_DROPPED = Set.of("host", "expect");
  private static final Set<String> TO_INTAKE_DROPPED = Set.of("host", "expect", "dd-api-key", "via", "x-forwarded-for",
      "x-forwarded-host", "x-forwarded-proto");
  private static final List<String> INTAKE_ENDPOINTS = List.of("/telemetry/proxy/", "/profiling/v1/input");
  private static final String TELEMETRY_PREFIX = "/telemetry/proxy";

  private final PassThroughSettings settings;
  private final PassThroughMetrics metrics;
  private final Clock clock;
  private final HttpRelay http;
  private final AgentDiscovery discovery;
  private volatile LastError lastError = LastError.NONE;

  public PassThroughStage(PassThroughSettings settings, PassThroughMetrics metrics, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.http = settings.mode() == PassThroughSettings.Mode.NONE
        ? null
        : new HttpRelay("bridge-passthrough", settings.maxConnections(), settings.responseTimeout());
    this.discovery = settings.mode() == PassThroughSettings.Mode.AGENT
        ? new AgentDiscovery(http, URI.create(base(settings.agentUrl()) + "/info"), settings.infoRefresh(), clock, this::failed)
        : null;
    metrics.agentReachable(() -> discovery != null && discovery.document().length > 0);
  }

  /** Starts reading the Agent's {@code /info} (agent mode). */
  public void start() {
    if (discovery != null) discovery.start();
  }

  public void stop() {
    if (discovery != null) discovery.stop();
    if (http != null) http.close();
  }

  @Override
  public void close() {
    stop();
  }

  @Override
  public Discovery discovery() {
    return switch (settings.mode()) {
      case AGENT -> new Discovery(discovery.document(), List.of());
      case INTAKE -> new Discovery(new byte[0], INTAKE_ENDPOINTS);
      case NONE -> new Discovery(new byte[0], List.of());
    };
  }

  @Override
  public Flow.Publisher<ByteBuffer> relay(Request request, Consumer<Head> head) {
    AgentEndpoint family = request.family();
    Flux<ByteBuffer> answer;
    try {
      answer = switch (settings.mode()) {
        case AGENT -> toAgent(request, head);
        case INTAKE -> family == AgentEndpoint.PROFILING || family == AgentEndpoint.TELEMETRY ? toIntake(request, head) : unsupported(request, head);
        case NONE -> unsupported(request, head);
      };
    } catch (IllegalArgumentException e) {
      answer = refused(request, head); // a path no URL can carry ({, |, ^ …), or one that would move the next hop
    }
    return JdkFlowAdapter.publisherToFlowPublisher(answer);
  }

  private Flux<ByteBuffer> toAgent(Request r, Consumer<Head> head) {
    List<Header> headers = new ArrayList<>(Headers.endToEnd(r.headers(), TO_AGENT_DROPPED));
    headers.add(new Header(Headers.VIA, Headers.VIA_VALUE));
    URI target = on(settings.agentUrl(), r.uri());
    return http.exchange(r.method(), target, headers, Headers.hasBody(r.headers()), r.body(), head, new HttpRelay.Outcome() {
      @Override
      public void answered(int status) {
        metrics.request(r.family(), Outcome.AGENT);
        discovery.answered();
      }

      @Override
      public void unreachable(Throwable cause) {
        metrics.request(r.family(), Outcome.UNAVAILABLE);
        discovery.unreachable();
        failed(cause);
      }

      @Override
      public void bodyFailed(Throwable cause) {
        metrics.request(r.family(), Outcome.ABORTED);
      }
    });
  }

  /** Profiles and telemetry with the API key, as the Agent sends them (docs/receiver.md, "Intake mode"). */
  private Flux<ByteBuffer> toIntake(Request r, Consumer<Head> head) {
    boolean profile = r.family() == AgentEndpoint.PROFILING;
    List<Header> headers = new ArrayList<>(Headers.endToEnd(r.headers(), TO_INTAKE_DROPPED));
    headers.add(new Header("DD-API-KEY", settings.apiKey().reveal()));
    headers.add(new Header(Headers.VIA, Headers.VIA_VALUE));
    URI target;
    if (profile) {
      target = settings.profileIntakeUrl();
      String tags = (settings.hostname().isEmpty() ? "" : "host:" + settings.hostname() + ",") + "default_env:" + settings.env();
      String sent = Headers.get(headers, "X-Datadog-Additional-Tags");
      headers.removeIf(h -> h.name().equalsIgnoreCase("X-Datadog-Additional-Tags"));
      headers.add(new Header("X-Datadog-Additional-Tags", sent == null || sent.isBlank() ? tags : sent + "," + tags));
    } else {
      // routed by its decoded path; a raw one that does not say /telemetry/proxy/ as plainly is no tracer's
      if (!r.uri().startsWith(TELEMETRY_PREFIX + "/")) return refused(r, head);
      target = on(settings.telemetryIntakeUrl(), r.uri().substring(TELEMETRY_PREFIX.length()));
      headers.add(new Header("DD-Agent-Env", settings.env()));
      if (!settings.hostname().isEmpty()) headers.add(new Header("DD-Agent-Hostname", settings.hostname()));
    }
    // the Agent turns the profile intake's 202 into 200; tracers expect what the Agent answers
    Consumer<Head> answer = profile ? h -> head.accept(h.status() == 202 ? new Head(200, h.headers()) : h) : head;
    return http.exchange(r.method(), target, headers, Headers.hasBody(r.headers()), r.body(), answer, new HttpRelay.Outcome() {
      @Override
      public void answered(int status) {
        metrics.request(r.family(), Outcome.INTAKE);
      }

      @Override
      public void unreachable(Throwable cause) {
        metrics.request(r.family(), Outcome.UNAVAILABLE);
        failed(cause);
      }

      @Override
      public void bodyFailed(Throwable cause) {
        metrics.request(r.family(), Outcome.ABORTED);
      }
    });
  }

  private Flux<ByteBuffer> unsupported(Request r, Consumer<Head> head) {
    metrics.request(r.family(), Outcome.UNSUPPORTED);
    return Unsupported.answer(r.family(), r.body(), head);
  }

  public PassThroughStatus status() {
    boolean agent = settings.mode() == PassThroughSettings.Mode.AGENT;
    return new PassThroughStatus(settings.mode().name().toLowerCase(Locale.ROOT), agent ? safe(settings.agentUrl()) : "",
        agent && discovery.document().length > 0, agent ? discovery.answeredAt() : Instant.EPOCH, lastError.text(), lastError.at());
  }

  private void failed(Throwable e) {
    String key = settings.apiKey().reveal();
    String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    if (!key.isEmpty()) text = text.replace(key, "<redacted>");
    if (!text.equals(lastError.text())) log.warn("pass-through: a next hop could not be reached: {}", text);
    lastError = new LastError(text, clock.instant());
  }

  /**
   * {@code path} (origin form, the port's contract) on the next hop {@code hop}. Checked once more:
   * the result must name {@code hop}'s scheme, host and port, so no request target ever chooses where
   * the request — in intake mode with the API key — goes.
   */
  private static URI on(URI hop, String path) {
    URI target = URI.create(base(hop) + path);
    if (!Objects.equals(target.getScheme(), hop.getScheme()) || !Objects.equals(target.getHost(), hop.getHost())
        || target.getPort() != hop.getPort()) {
      throw new IllegalArgumentException("a request target moved the next hop: " + path);
    }
    return target;
  }

  /** A request that cannot be relayed as sent: 400, its body read and discarded. */
  private Flux<ByteBuffer> refused(Request r, Consumer<Head> head) {
    metrics.request(r.family(), Outcome.REFUSED);
    return Unsupported.refused(r.body(), head);
  }

  private static String base(URI url) {
    String s = url.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static String safe(URI url) {
    return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
  }
}
