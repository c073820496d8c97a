package org.xraybridge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.config.TestPipelines;
import org.xraybridge.config.XRaySourceProperties;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.model.Secret;
import org.xraybridge.model.Span;
import org.xraybridge.ops.DropLedger;
import org.xraybridge.testing.EmulatedAccounts;
import org.xraybridge.testing.EmulatedAccounts.Account;

/**
 * One bridge, two accounts: the native half comes from a service traced by the real dd-java-agent
 * (it runs in account A), the X-Ray half from a Lambda traced by the real X-Ray SDK in account B, read
 * through B's role. Both halves meet in one trace, because every source feeds the same merge.
 */
class CrossAccountJoinTest {

  @TempDir Path dir;
  private final EmulatedAccounts accounts = new EmulatedAccounts(Clock.systemUTC());
  private TestPipelines.Running bridge;
  private HttpServer lambda;

  @AfterEach
  void stop() {
    if (lambda != null) lambda.stop(0);
    if (bridge != null) bridge.close();
    accounts.close();
  }

  @Test
  void nativeHalfFromAccountA_xrayHalfFromAccountB_joinInOneTrace() throws Exception {
    Account a = accounts.add("111111111111");
    Account b = accounts.add("222222222222");
    bridge = TestPipelines.accounts(dir, "e2e", List.of(source("account-a", a), source("account-b", b)), EmulatedAccounts.BASE);
    List<String> documents = new CopyOnWriteArrayList<>();
    Map<String, Map<String, String>> headers = new HashMap<>();
    lambda = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    lambda.createContext("/padded", ex -> XRayLambda.play(ex, documents, headers, false));
    lambda.start();

    List<String> out = TracedHost.run(bridge, "http://127.0.0.1:" + lambda.getAddress().getPort() + "/padded");
    String w3c = out.stream().filter(l -> l.startsWith("TRACE ")).findFirst().orElseThrow().split(" ")[2];
    b.store().put(List.copyOf(documents)); // the Lambda's segments reach account B's X-Ray

    long traceId = Long.parseUnsignedLong(w3c.substring(16), 16);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(bridge.forwardedByTrace().getOrDefault(traceId, List.of()))
            .anySatisfy(s -> assertThat(s.meta()).containsKey("aws.xray.trace_id")));
    bridge.flush();
    List<Span> spans = bridge.forwardedByTrace().get(traceId);
    List<Span> xray = spans.stream().filter(s -> s.meta().containsKey("aws.xray.trace_id")).toList();
    List<Span> tracer = spans.stream().filter(s -> !s.meta().containsKey("aws.xray.trace_id")).toList();
    assertThat(tracer).as("the tracer's half").isNotEmpty();
    assertThat(xray).as("the X-Ray half").extracting(Span::name).contains("aws.lambda.function", "aws.dynamodb.request");
    long clientSpan = Long.parseUnsignedLong(headers.get("/padded").get("x-datadog-parent-id"));
    Span function = xray.stream().filter(s -> s.name().equals("aws.lambda.function")).findFirst().orElseThrow();
    assertThat(function.parentId()).as("the X-Ray root hangs under the tracer's client span").isEqualTo(clientSpan);
    assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(traceId));
    assertThat(spans).extracting(Span::spanId).doesNotHaveDuplicates();
    // the X-Ray half was read from account B, signed with B's role; account A had nothing of it
    String xrayId = function.meta("aws.xray.trace_id");
    assertThat(b.emulator().requests(RecordedRequest.BATCH_GET_TRACES)).anySatisfy(r -> assertThat(r.traceIds()).contains(xrayId));
    assertThat(a.emulator().requests(RecordedRequest.BATCH_GET_TRACES)).isEmpty();
    assertThat(accounts.sts.refusedCalls()).isZero();
    DropLedger.Snapshot ledger = bridge.ledger();
    assertThat(ledger.taken()).isEqualTo(ledger.forwarded() + ledger.dropped() + bridge.inFlight());
    assertThat(ledger.dropped()).isZero();
  }

  private XRaySourceProperties source(String name, Account account) {
    return new XRaySourceProperties(name, "us-east-1", account.roleArn(), Secret.of(account.externalId()),
        accounts.sts.endpoint().toString(), account.endpoint(), "", "");
  }
}
