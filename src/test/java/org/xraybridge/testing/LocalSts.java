package org.xraybridge.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.xraybridge.demo.Faults.Refusal;

/**
 * A local AWS Security Token Service that answers {@code AssumeRole} in the service's own protocol —
 * the AWS query protocol: a form-encoded {@code POST /} ({@code Action=AssumeRole&Version=2011-06-15&
 * RoleArn=…&RoleSessionName=…&ExternalId=…&DurationSeconds=…}), answered with an
 * {@code AssumeRoleResponse} XML document, or an {@code ErrorResponse} with the HTTP status STS uses
 * ({@code AccessDenied} 403, {@code ValidationError} 400), as the STS API reference writes them. It
 * issues short-lived credentials ({@link #credentialsLifetime}) and keeps what it issued, so an
 * emulated X-Ray API can refuse a key that is unknown or expired ({@link #accessTo}).
 *
 * <p>On its own loopback port; real time (the SDK's credential provider judges expiry by the wall
 * clock). {@code LocalStsTest} checks it against the AWS SDK's own {@code StsClient}.
 */
public final class LocalSts implements AutoCloseable {

  /** A credential this STS issued. */
  public record Issued(String accessKeyId, String account, String roleArn, String sessionName, Instant issuedAt, Instant expiration) {}

  /** One {@code AssumeRole} call as received. */
  public record Call(String roleArn, String sessionName, String externalId, int durationSeconds, String signedBy, int status) {}

  private static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";

  private final HttpServer server;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Role> roles = new ConcurrentHashMap<>();
  private final Set<String> denied = ConcurrentHashMap.newKeySet();
  private final Map<String, Issued> issued = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger refused = new AtomicInteger();
  private volatile Duration lifetime = Duration.ofMinutes(15);

  private record Role(String arn, String account, String externalId) {}

  public LocalSts() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot bind a loopback port", e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "local-sts");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** A role of {@code account} that may be assumed; with an external id, only when the call gives it. */
  public LocalSts role(String arn, String account, String externalId) {
    roles.put(arn, new Role(arn, account, externalId));
    return this;
  }

  /** Every {@code AssumeRole} of {@code arn} is refused from now on ({@code AccessDenied}, 403). */
  public void deny(String arn) {
    denied.add(arn);
  }

  /** How long the credentials issued from now on last (STS itself gives at least 15 minutes; tests give seconds). */
  public void credentialsLifetime(Duration d) {
    lifetime = d;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** {@code AssumeRole} calls answered with credentials for {@code arn}. */
  public int issuedFor(String arn) {
    return (int) calls.stream().filter(c -> c.roleArn().equals(arn) && c.status() == 200).count();
  }

  public Map<String, Issued> issued() {
    return Map.copyOf(issued);
  }

  /** Calls an emulated account refused through {@link #accessTo}. */
  public int refusedCalls() {
    return refused.get();
  }

  /**
   * The access policy of an emulated X-Ray account ({@code EmulatorFaults.access}): a call signed with
   * a key this STS issued for {@code account} and not yet expired is served; an expired one is refused
   * with {@code ExpiredTokenException}, any other with {@code UnrecognizedClientException} (403).
   */
  public Function<String, Refusal> accessTo(String account) {
    return key -> {
      Issued i = issued.get(key);
      if (i == null || !i.account().equals(account)) {
        refused.incrementAndGet();
        return new Refusal("UnrecognizedClientException", "The security token included in the request is invalid.");
      }
      if (!Instant.now().isBefore(i.expiration())) {
        refused.incrementAndGet();
        return new Refusal("ExpiredTokenException", "The security token included in the request is expired");
      }
      return Refusal.NONE;
    };
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> form = form(body);
      String signedBy = accessKeyId(ex.getRequestHeaders().getFirst("Authorization"));
      if (!"POST".equals(ex.getRequestMethod())) {
        send(ex, 400, error("Sender", "InvalidAction", "STS answers POST only"));
        return;
      }
      if (!"AssumeRole".equals(form.get("Action")) || !"2011-06-15".equals(form.get("Version"))) {
        send(ex, 400, error("Sender", "InvalidAction", "Could not find operation " + form.get("Action") + " for version " + form.get("Version")));
        return;
      }
      String arn = form.getOrDefault("RoleArn", "");
      String session = form.getOrDefault("RoleSessionName", "");
      String externalId = form.getOrDefault("ExternalId", "");
      int duration = Integer.parseInt(form.getOrDefault("DurationSeconds", "3600"));
      int status;
      String answer;
      Role role = roles.get(arn);
      if (signedBy.isEmpty()) {
        status = 403;
        answer = error("Sender", "MissingAuthenticationToken", "Request is missing Authentication Token");
      } else if (session.isEmpty() || duration < 900) {
        status = 400;
        answer = error("Sender", "ValidationError", session.isEmpty()
            ? "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
            : "1 validation error detected: Value '" + duration + "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
      } else if (role == null || denied.contains(arn) || !role.externalId().equals(externalId)) {
        status = 403;
        answer = error("Sender", "AccessDenied", "User: arn:aws:iam::000000000000:user/bridge is not authorized to perform: sts:AssumeRole on resource: " + arn);
      } else {
        status = 200;
        answer = credentials(role, session);
      }
      calls.add(new Call(arn, session, externalId, duration, signedBy, status));
      send(ex, status, answer);
    }
  }

  private String credentials(Role role, String session) {
    String key = "ASIA" + token(16).toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "X");
    Instant now = Instant.now();
    Instant expiration = now.plus(lifetime).truncatedTo(ChronoUnit.MILLIS);
    issued.put(key, new Issued(key, role.account(), role.arn(), session, now, expiration));
    String roleName = role.arn().substring(role.arn().indexOf(":role/") + 6);
    return "<AssumeRoleResponse xmlns=\"" + NS + "\">"
        + "<AssumeRoleResult>"
        + "<SourceIdentity></SourceIdentity>"
        + "<AssumedRoleUser><AssumedRoleId>AROA" + token(12).toUpperCase(java.util.Locale.ROOT) + ":" + xml(session) + "</AssumedRoleId>"
        + "<Arn>arn:aws:sts::" + role.account() + ":assumed-role/" + xml(roleName) + "/" + xml(session) + "</Arn></AssumedRoleUser>"
        + "<Credentials><AccessKeyId>" + key + "</AccessKeyId><SecretAccessKey>" + token(40) + "</SecretAccessKey>"
        + "<SessionToken>" + token(64) + "</SessionToken><Expiration>" + expiration + "</Expiration></Credentials>"
        + "<PackedPolicySize>6</PackedPolicySize>"
        + "</AssumeRoleResult>"
        + "<ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata>"
        + "</AssumeRoleResponse>";
  }

  private static String error(String type, String code, String message) {
    return "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>" + type + "</Type><Code>" + code + "</Code><Message>" + xml(message)
        + "</Message></Error><RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>";
  }

  private static void send(HttpExchange ex, int status, String xml) throws IOException {
    byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/xml");
    ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  static String accessKeyId(String authorization) {
    if (authorization == null) return "";
    int at = authorization.indexOf("Credential=");
    if (at < 0) return "";
    int from = at + "Credential=".length();
    int slash = authorization.indexOf('/', from);
    return slash < 0 ? "" : authorization.substring(from, slash);
  }

  private String token(int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    return s.toString();
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
