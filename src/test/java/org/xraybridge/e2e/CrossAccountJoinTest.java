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
import org.xraybridge.config.XRayProperties;
import org.xraybridge.config.XRaySourceProperties;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.demo.TransactionSearchAccount;
import org.xraybridge.model.Secret;
import org.xraybridge.model.Span;
import org.xraybridge.ops.DropLedger;
import org.xraybridge.testing.EmulatedAccounts;
import org.xraybridge.testing.EmulatedAccounts.Account;

/**
 * One bridge, three accounts: the native half comes from a service traced by the real dd-java-agent
 * (it runs in account A); the X-Ray half from a Lambda traced by the real X-Ray SDK in account B, read
 * through B's role; and, for a second request, from a Lambda in account C, which has Transaction
 * Search on, so its spans are read from {@code aws/spans}. Both halves meet in one trace each, because
 * every source feeds the same merge and an OTel span id is the X-Ray segment id.
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
  void nativeHalfFromAccountA_xrayHalfFromAccountB_orFromAwsSpansOfAccountC_joinInOneTrace() throws Exception {
    Account a = accounts.add("111111111111");
    Account b = accounts.add("222222222222");
    Account c = accounts.add("333333333333");
    c.faults().segmentDestination("CloudWatchLogs", "ACTIVE");
    TransactionSearchAccount cSpans = new TransactionSearchAccount(c.store(), c.emulator().spanLogs());
    bridge = TestPipelines.accounts(dir, "e2e", List.of(source("account-a", a), source("account-b", b), source("account-c", c)),
        EmulatedAccounts.BASE);
    List<String> bDocuments = new CopyOnWriteArrayList<>();
    List<String> cDocuments = new CopyOnWriteArrayList<>();
    Map<String, Map<String, String>> headers = new HashMap<>();
    lambda = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    lambda.createContext("/b", ex -> XRayLambda.play(ex, bDocuments, headers, false));
    lambda.createContext("/c", ex -> XRayLambda.play(ex, cDocuments, headers, false));
    lambda.start();
    String base = "http://127.0.0.1:" + lambda.getAddress().getPort();

    List<String> out = TracedHost.run(bridge, base + "/b", base + "/c");
    Map<String, String> traces = new HashMap<>();
    for (String l : out) if (l.startsWith("TRACE ")) traces.put(l.split(" ")[1].substring(base.length()), l.split(" ")[2]);
    b.store().put(List.copyOf(bDocuments)); // the Lambda's segments reach account B's X-Ray
    cSpans.put(List.copyOf(cDocuments)); // account C's X-Ray writes them to aws/spans

    assertJoined(traces.get("/b"), headers.get("/b"));
    assertJoined(traces.get("/c"), headers.get("/c"));
    // each X-Ray half was read from its own account, signed with that account's role; A had nothing of them
    assertThat(b.emulator().requests(RecordedRequest.BATCH_GET_TRACES)).isNotEmpty();
    assertThat(c.emulator().requests(RecordedRequest.FILTER_LOG_EVENTS)).isNotEmpty()
        .allSatisfy(r -> assertThat(accounts.sts.issued().get(r.accessKeyId()).account()).isEqualTo(c.id()));
    assertThat(bridge.xraySources().get("account-c").path()).isEqualTo("logs");
    assertThat(a.emulator().requests(RecordedRequest.BATCH_GET_TRACES)).isEmpty();
    assertThat(accounts.sts.refusedCalls()).isZero();
    DropLedger.Snapshot ledger = bridge.ledger();
    assertThat(ledger.receivedXRayLogs()).isPositive();
    assertThat(ledger.taken()).isEqualTo(ledger.forwarded() + ledger.dropped() + bridge.inFlight());
    assertThat(ledger.dropped()).isZero();
  }

  private void assertJoined(String w3c, Map<String, String> headers) {
    long traceId = Long.parseUnsignedLong(w3c.substring(16), 16);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(bridge.forwardedByTrace().getOrDefault(traceId, List.of()))
            .anySatisfy(s -> assertThat(s.meta()).containsKey("aws.xray.trace_id")));
    bridge.flush();
    List<Span> spans = bridge.forwardedByTrace().get(traceId);
    List<Span> xray = spans.stream().filter(s -> s.meta().containsKey("aws.xray.trace_id")).toList();
    List<Span> tracer = spans.stream().filter(s -> !s.meta().containsKey("aws.xray.trace_id")).toList();
    assertThat(tracer).as("the tracer's half").isNotEmpty();
    assertThat(xray).as("the X-Ray half").hasSizeGreaterThanOrEqualTo(3); // the function, DynamoDB, charge-card
    long clientSpan = Long.parseUnsignedLong(headers.get("x-datadog-parent-id"));
    Span root = xray.stream().filter(s -> s.parentId() == clientSpan).findFirst()
        .orElseThrow(() -> new AssertionError("no X-Ray span under the tracer's client span " + clientSpan + ": " + xray));
    assertThat(root.service()).isEqualTo("payments-lambda");
    assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(traceId));
    assertThat(spans).extracting(Span::spanId).doesNotHaveDuplicates();
    assertThat(spans).allSatisfy(s -> assertThat(s.meta()).containsEntry("env", "e2e"));
  }

  private XRaySourceProperties source(String name, Account account) {
    return new XRaySourceProperties(name, "us-east-1", account.roleArn(), Secret.of(account.externalId()),
        accounts.sts.endpoint().toString(), account.endpoint(), "", "", XRayProperties.TransactionSearch.AUTO,
        account.endpoint(), TransactionSearchAccount.SPANS);
  }
}
