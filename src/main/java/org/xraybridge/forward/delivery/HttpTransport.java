package org.xraybridge.forward.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.xraybridge.model.Secret;

/**
 * Sends one payload with the JDK's {@link HttpClient}, blocking the calling thread.
 *
 * <p><b>Why a blocking call.</b> The callers are the forwarder's own sender threads (a fixed, small
 * number), never a Netty event loop; between attempts they sleep out a backoff, and a failed payload
 * goes to a file on disk — both blocking by nature. A synchronous call keeps retry, circuit breaker,
 * spool and shutdown accounting in one straight line per thread, with exactly one owner per payload.
 * The JDK client adds no dependency, does not follow redirects (so the API key never goes to
 * another host), and prints nothing unless its own logging is switched on with {@code
 * -Djdk.httpclient.HttpClient.log} — which {@link #checkClientLogging} refuses when the key would be
 * sent, because at level {@code headers} it would print {@code DD-API-KEY}.
 *
 * <p>The API key is added here, at send time, and only to intake requests; payloads (and so the
 * spool) never hold it. The response body is read up to 1 KiB, scrubbed, and kept as the reason.
 *
 * <p>Thread-safe.
 */
public final class HttpTransport {
  static final String API_KEY_HEADER = "DD-API-KEY";
  private static final int REASON_BYTES = 1024;

  private final URI base;
  private final Secret apiKey;
  private final String userAgent;
  private final Redactor redactor;
  private final HttpClient client;

  /** The outcome of one request that got an answer. {@code reason} is scrubbed. */
  public record Response(int status, String reason) {
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /** 408, 429 and 5xx are worth another attempt; so are network errors (thrown instead). */
    public boolean transientFailure() {
      return status == 408 || status == 429 || status >= 500;
    }
  }

  public HttpTransport(URI base, Secret apiKey, String userAgent, Duration connectTimeout, Redactor redactor) {
    this.base = base;
    this.apiKey = apiKey;
    this.userAgent = userAgent;
    this.redactor = redactor;
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(ProxySelector.getDefault() == null ? HttpClient.Builder.NO_PROXY : ProxySelector.getDefault())
        .build();
  }

  /**
   * Refuses JDK HTTP client logging that would print request headers (and so the API key).
   *
   * @throws IllegalStateException naming the system property
   */
  public static void checkClientLogging() {
    String level = System.getProperty("jdk.httpclient.HttpClient.log", "").toLowerCase(Locale.ROOT);
    if (level.contains("all") || level.contains("headers")) {
      throw new IllegalStateException(
          "-Djdk.httpclient.HttpClient.log=" + level + " would log the DD-API-KEY request header;"
              + " remove 'headers'/'all' from it to forward to the intake");
    }
    if (Boolean.getBoolean("jdk.internal.httpclient.debug")) {
      throw new IllegalStateException(
          "-Djdk.internal.httpclient.debug=true would log the DD-API-KEY request header; unset it to forward to the intake");
    }
  }

  public URI base() {
    return base;
  }

  /** Sends {@code p}; an answer of any status is a {@link Response}, no answer an exception. */
  public Response send(Payload p, Duration timeout) throws IOException, InterruptedException {
    Payload wire = p.forWire();
    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint(p.kind()))
        .timeout(timeout)
        .method(p.kind().method(), HttpRequest.BodyPublishers.ofByteArray(wire.body()))
        .header("User-Agent", userAgent);
    for (Map.Entry<String, String> h : wire.headers().entrySet()) b.header(h.getKey(), h.getValue());
    if (wire.gzipped()) b.header("Content-Encoding", "gzip");
    if (p.kind().intake() && !apiKey.isEmpty()) b.header(API_KEY_HEADER, apiKey.reveal());
    HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    String reason;
    try (InputStream in = r.body()) {
      reason = new String(in.readNBytes(REASON_BYTES), StandardCharsets.UTF_8);
    } catch (IOException e) {
      reason = ""; // the status is what matters
    }
    return new Response(r.statusCode(), redactor.scrub(reason.strip()));
  }

  /** Where a payload of this kind goes: the base URL (with any path prefix) plus the kind's path. */
  public URI endpoint(PayloadKind kind) {
    String s = base.toString();
    if (s.endsWith("/")) s = s.substring(0, s.length() - 1);
    return URI.create(s + kind.path());
  }
}
