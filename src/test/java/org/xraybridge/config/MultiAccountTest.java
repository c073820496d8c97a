package org.xraybridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.xraybridge.demo.RecordedRequest;
import org.xraybridge.model.Admission;
import org.xraybridge.model.Secret;
import org.xraybridge.model.XRaySink;
import org.xraybridge.ops.MicrometerXRaySourceMetrics;
import org.xraybridge.ops.StageHealth;
import org.xraybridge.source.poll.CheckpointStore;
import org.xraybridge.source.poll.FileCheckpointStore;
import org.xraybridge.source.poll.PollCursor;
import org.xraybridge.source.xray.XRayCheckpoint;
import org.xraybridge.source.xray.XRayCheckpointFormat;
import org.xraybridge.source.xray.XRaySourceSettings;
import org.xraybridge.source.xray.XRaySourceStatus;
import org.xraybridge.testing.EmulatedAccounts;
import org.xraybridge.testing.EmulatedAccounts.Account;
import org.xraybridge.testing.LocalSts;
import org.xraybridge.testing.RecordingSink;
import org.xraybridge.testing.StubConverter;
import org.xraybridge.testing.TestLedger;
import org.xraybridge.testing.XRaySegments;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * One bridge, several AWS accounts: each source assumes its own role through a local STS (the AWS
 * SDK's own {@code StsAssumeRoleCredentialsProvider}) and reads its own emulated account through the
 * real X-Ray client, on its own timer; every account lets in only credentials issued for it. Real
 * time throughout (the sources poll on their timers), with short intervals.
 */
class MultiAccountTest {

  static final Duration POLL = Duration.ofMillis(300);
  static final Duration LAG = Duration.ofMillis(200);

  @TempDir Path dir;
  final Clock clock = Clock.systemUTC();
  final EmulatedAccounts accounts = new EmulatedAccounts(clock);
  final TestLedger ledger = new TestLedger();
  final RecordingSink sink = new RecordingSink();
  final Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
  final XRaySink timedSink = trace -> {
    Admission a = sink.offer(trace);
    if (a == Admission.ACCEPTED) deliveredAt.putIfAbsent(trace.xrayTraceId(), System.nanoTime());
    return a;
  };
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final SdkEventLoopGroup loops = SdkEventLoopGroup.builder().numberOfThreads(2).build();
  final XRaySegments segments = new XRaySegments(17);
  final Map<String, Long> putAt = new ConcurrentHashMap<>();
  final Map<String, MicrometerXRaySourceMetrics> metrics = new HashMap<>();
  Account a;
  Account b;
  Account c;
  XRaySources sources;

  @BeforeEach
  void setUp() {
    a = accounts.add("111111111111");
    b = accounts.add("222222222222");
    c = accounts.add("333333333333");
  }

  @AfterEach
  void tearDown() {
    if (sources != null) sources.close();
    accounts.close();
    loops.eventLoopGroup().shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void threeAccounts_eachDeliveredOnce_eachSignedWithItsOwnRole() {
    sources = sources(role -> role);
    List<String> ids = new ArrayList<>();
    for (Account acc : accounts.all()) ids.addAll(put(acc, 12));

    sources.startAll();

    await().atMost(Duration.ofSeconds(30)).until(() -> deliveredAt.keySet().containsAll(ids));
    assertThat(sink.segmentIds()).doesNotHaveDuplicates().hasSize(ids.size());
    assertThat(sink.spanIds()).doesNotHaveDuplicates().hasSize(2 * ids.size());
    for (Account acc : accounts.all()) {
      List<RecordedRequest> calls = acc.emulator().requests();
      assertThat(calls).isNotEmpty().allSatisfy(r -> {
        assertThat(r.status()).isEqualTo(200);
        assertThat(accounts.sts.issued().get(r.accessKeyId()).account()).isEqualTo(acc.id());
      });
    }
    assertThat(accounts.sts.refusedCalls()).isZero();
    for (Account acc : accounts.all()) {
      int summaries = acc.emulator().requests(RecordedRequest.GET_TRACE_SUMMARIES).size();
      int batches = acc.emulator().requests(RecordedRequest.BATCH_GET_TRACES).size();
      System.out.printf("Account %s: 12 traces, %d GetTraceSummaries + %d BatchGetTraces (ticks of 300 ms while the test ran),"
          + " %d AssumeRole%n", acc.id(), summaries, batches, accounts.sts.issuedFor(acc.roleArn()));
      assertThat(accounts.sts.issuedFor(acc.roleArn())).as("one AssumeRole per credential lifetime").isEqualTo(1);
    }
    assertThat(accounts.sts.calls()).allSatisfy(call -> {
      assertThat(call.signedBy()).isEqualTo("AKIABRIDGE0000000000");
      assertThat(call.sessionName()).startsWith("xray-datadog-bridge-");
      assertThat(call.externalId()).isEqualTo("ext-" + call.roleArn().substring(13, 25));
    });
    Health health = HealthConfiguration.xrayHealth(sources.statuses(), XRayProperties.Source.AWS, "", clock);
    assertThat(health.getStatus()).isEqualTo(Status.UP);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> each = (Map<String, Map<String, Object>>) health.getDetails().get("sources");
    assertThat(each).containsOnlyKeys("acct-a", "acct-b", "acct-c");
    assertThat(each.get("acct-b")).containsEntry("account", "222222222222").containsEntry("region", "eu-west-1");
    // metrics per source, tagged by name, account and region; no credential anywhere in a tag
    assertThat(registry.get("bridge.xray.segments.delivered").tags("source", "acct-c", "account", "333333333333", "region", "us-east-1")
        .counter().count()).isEqualTo(12);
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags().toString())
        .doesNotContain("ASIA").doesNotContain("AKIA").doesNotContain("ext-"));
    assertThat(health.getDetails().toString()).doesNotContain("ext-1").doesNotContain("ASIA").doesNotContain("AKIA");
  }

  @Test
  void restart_eachSourceResumesFromItsOwnCheckpoint_nothingTwice() throws Exception {
    sources = sources(role -> role);
    List<String> first = new ArrayList<>();
    for (Account acc : accounts.all()) first.addAll(put(acc, 5));
    sources.startAll();
    await().atMost(Duration.ofSeconds(30)).until(() -> deliveredAt.keySet().containsAll(first));
    sources.close();

    for (String name : List.of("acct-a", "acct-b", "acct-c")) {
      Path file = dir.resolve("xray-checkpoint-" + name + ".json");
      assertThat(file).exists();
      assertThat(Files.readString(file)).contains("\"source\":\"" + name + "\"");
      assertThat(checkpoints(name).load().orElseThrow().source()).isEqualTo(name);
    }
    List<String> second = new ArrayList<>();
    for (Account acc : accounts.all()) second.addAll(put(acc, 5));
    sources = sources(role -> role);
    sources.startAll();

    await().atMost(Duration.ofSeconds(30)).until(() -> deliveredAt.keySet().containsAll(second));
    // the windows re-read what the first run delivered (the overlap); none of it goes again
    assertThat(sink.segmentIds()).doesNotHaveDuplicates().hasSize(first.size() + second.size());
    for (Account acc : accounts.all()) {
      assertThat(acc.emulator().requests(RecordedRequest.GET_TRACE_SUMMARIES)).isNotEmpty();
    }
  }

  /**
   * Account B is throttled for a while; A and C keep their pace. What B's fault costs them is the
   * change in their delivery delay (put into X-Ray → handed to the merge stage) against a run where
   * nobody is throttled, measured in this run: it must stay under one poll interval.
   */
  @Test
  void oneAccountThrottled_theOthersKeepTheirPace() throws Exception {
    sources = sources(role -> role);
    sources.startAll();
    // the baseline starts once every source has its credentials and has polled once
    await().atMost(Duration.ofSeconds(10)).until(() -> sources.statuses().values().stream()
        .allMatch(st -> !st.lastSuccessfulPoll().equals(Instant.EPOCH)));
    Map<String, List<String>> baseline = traffic(Duration.ofSeconds(2), null);
    Map<String, List<String>> throttled = traffic(Duration.ofSeconds(3), b);
    await().atMost(Duration.ofSeconds(60)).until(() -> deliveredAt.keySet().containsAll(all(baseline, throttled)));

    double baseA = meanDelayMillis(baseline.get(a.id())), baseC = meanDelayMillis(baseline.get(c.id()));
    double duringA = meanDelayMillis(throttled.get(a.id())), duringC = meanDelayMillis(throttled.get(c.id()));
    System.out.printf(
        "Delivery delay (ms), poll interval %d ms, mean / max: baseline A %.0f / %.0f, C %.0f / %.0f; while B is throttled"
            + " for 3 s: A %.0f / %.0f, C %.0f / %.0f, B %.0f / %.0f; cost of B's fault to A %.0f ms, to C %.0f ms (means)%n",
        POLL.toMillis(), baseA, maxDelayMillis(baseline.get(a.id())), baseC, maxDelayMillis(baseline.get(c.id())),
        duringA, maxDelayMillis(throttled.get(a.id())), duringC, maxDelayMillis(throttled.get(c.id())),
        meanDelayMillis(throttled.get(b.id())), maxDelayMillis(throttled.get(b.id())), duringA - baseA, duringC - baseC);
    assertThat(duringA - baseA).as("what B's throttling costs A").isLessThan(POLL.toMillis());
    assertThat(duringC - baseC).as("what B's throttling costs C").isLessThan(POLL.toMillis());
    // a wide guard on single traces: a shared machine can stall any one of them
    assertThat(maxDelayMillis(throttled.get(a.id()))).isLessThan(maxDelayMillis(baseline.get(a.id())) + 3 * POLL.toMillis());
    assertThat(maxDelayMillis(throttled.get(b.id()))).as("B itself waited").isGreaterThan(1000);
    // B caught up without a gap, and nothing went twice
    assertThat(sink.segmentIds()).doesNotHaveDuplicates().hasSize(all(baseline, throttled).size());
    assertThat(registry.get("bridge.xray.api.calls").tags("source", "acct-b", "outcome", "throttled").counters())
        .anySatisfy(m -> assertThat(m.count()).isPositive());
    assertThat(registry.get("bridge.xray.api.calls").tags("source", "acct-a", "outcome", "throttled").counters())
        .allSatisfy(m -> assertThat(m.count()).isZero());
  }

  @Test
  void oneRoleDenied_thatSourceAloneIsDegradedWithAClearError() {
    accounts.sts.deny(c.roleArn());
    sources = sources(role -> role);
    List<String> ids = new ArrayList<>();
    ids.addAll(put(a, 4));
    ids.addAll(put(b, 4));
    put(c, 4);

    sources.startAll();

    await().atMost(Duration.ofSeconds(30)).until(() -> deliveredAt.keySet().containsAll(ids)
        && sources.statuses().get("acct-c").failedPollsInARow() >= 1);
    XRaySourceStatus denied = sources.statuses().get("acct-c");
    assertThat(denied.lastError())
        .contains("AssumeRole of arn:aws:iam::333333333333:role/xray-datadog-bridge failed (AccessDenied, HTTP 403)")
        .contains("not authorized to perform: sts:AssumeRole");
    assertThat(HealthConfiguration.sourceStatus(denied, clock)).isEqualTo(StageHealth.DEGRADED);
    assertThat(HealthConfiguration.sourceStatus(sources.statuses().get("acct-a"), clock)).isEqualTo(Status.UP);
    assertThat(HealthConfiguration.sourceStatus(sources.statuses().get("acct-b"), clock)).isEqualTo(Status.UP);
    assertThat(HealthConfiguration.xrayHealth(sources.statuses(), XRayProperties.Source.AWS, "", clock).getStatus())
        .isEqualTo(StageHealth.DEGRADED);
    // denial is not retried as if it were transient, and account C never saw a call
    assertThat(c.emulator().requests()).isEmpty();
    assertThat(registry.get("bridge.xray.api.calls").tags("source", "acct-c", "outcome", "client_error").counters())
        .anySatisfy(m -> assertThat(m.count()).isPositive());
    assertThat(sink.segmentIds()).doesNotHaveDuplicates().hasSize(ids.size());
  }

  @Test
  void shortLivedCredentials_areRefreshedBeforeTheyExpire_noCallFails() {
    accounts.sts.credentialsLifetime(Duration.ofMillis(1500));
    sources = sources(role -> role.withLifetimes(Duration.ofMinutes(15), Duration.ofMillis(900), Duration.ofMillis(300)));
    sources.startAll();

    Map<String, List<String>> put = traffic(Duration.ofSeconds(4), null);

    await().atMost(Duration.ofSeconds(30)).until(() -> deliveredAt.keySet().containsAll(all(put)));
    for (Account acc : accounts.all()) {
      assertThat(accounts.sts.issuedFor(acc.roleArn())).as("credentials of %s renewed", acc.id()).isGreaterThanOrEqualTo(3);
      List<LocalSts.Issued> issued = accounts.sts.issued().values().stream().filter(i -> i.roleArn().equals(acc.roleArn()))
          .sorted(java.util.Comparator.comparing(LocalSts.Issued::issuedAt)).toList();
      for (int i = 1; i < issued.size(); i++) {
        assertThat(issued.get(i).issuedAt()).as("renewed before the previous credentials expired").isBefore(issued.get(i - 1).expiration());
      }
      assertThat(acc.emulator().requests()).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    }
    assertThat(accounts.sts.refusedCalls()).as("calls signed with expired credentials").isZero();
    assertThat(registry.get("bridge.xray.api.calls").counters())
        .filteredOn(m -> !m.getId().getTag("outcome").equals("success"))
        .allSatisfy(m -> assertThat(m.count()).isZero());
  }

  /**
   * Starting a source reads its checkpoint, which in kafka mode is a read of the checkpoints topic
   * (seconds while Kafka is slow, retried every 5 s while it fails); the health endpoint reads the
   * sources' statuses meanwhile and must not wait for it.
   */
  @Test
  void statuses_areReadWhileASourceStarts_evenWhenItsCheckpointIsSlowToLoad() throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    sources = sources(role -> role, name -> name.equals("acct-b") ? slowToLoad(checkpoints(name), loading, release) : checkpoints(name));
    sources.start("acct-a");
    Thread starter = new Thread(() -> sources.start("acct-b"), "starter");
    starter.start();
    try {
      assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();

      Map<String, XRaySourceStatus> statuses = CompletableFuture.supplyAsync(sources::statuses).get(2, TimeUnit.SECONDS);

      assertThat(statuses).containsOnlyKeys("acct-a");
    } finally {
      release.countDown();
      starter.join(10_000);
    }
    assertThat(sources.statuses()).containsOnlyKeys("acct-a", "acct-b");
  }

  // ---- helpers ----

  private static CheckpointStore<XRayCheckpoint> slowToLoad(CheckpointStore<XRayCheckpoint> store, CountDownLatch loading,
      CountDownLatch release) {
    return new CheckpointStore<>() {
      @Override
      public Optional<XRayCheckpoint> load() {
        loading.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return store.load();
      }

      @Override
      public void checkWritable() {
        store.checkWritable();
      }

      @Override
      public void save(XRayCheckpoint checkpoint) {
        store.save(checkpoint);
      }

      @Override
      public String location() {
        return store.location();
      }
    };
  }

  private XRaySources sources(java.util.function.UnaryOperator<XRaySourceSettings.Role> roles) {
    return sources(roles, this::checkpoints);
  }

  private XRaySources sources(java.util.function.UnaryOperator<XRaySourceSettings.Role> roles,
      Function<String, CheckpointStore<XRayCheckpoint>> checkpointOf) {
    List<XRaySources.Spec> specs = new ArrayList<>();
    String[] names = {"acct-a", "acct-b", "acct-c"};
    String[] regions = {"us-east-1", "eu-west-1", "us-east-1"};
    List<Account> all = accounts.all();
    for (int i = 0; i < all.size(); i++) {
      Account acc = all.get(i);
      XRaySourceSettings.Role role = roles.apply(XRaySourceSettings.Role.of(
          acc.roleArn(), Secret.of(acc.externalId()), accounts.sts.endpoint().toString(), "xray-datadog-bridge-" + names[i]));
      XRaySourceSettings.Tuning d = XRaySourceSettings.Tuning.DEFAULTS;
      XRaySourceSettings settings = new XRaySourceSettings(names[i], regions[i], acc.endpoint(),
          new PollCursor.Timing(POLL, LAG, Duration.ofSeconds(5), Duration.ofMinutes(1)), "", Duration.ofMinutes(2), 50, 200, 2,
          role, XRaySourceSettings.Search.DEFAULT, new XRaySourceSettings.Tuning(Duration.ofSeconds(1), 50,
              new XRaySourceSettings.Retry(30, Duration.ofMillis(50), Duration.ofMillis(200), 0.5),
              new XRaySourceSettings.Circuit(50f, 100, 100, Duration.ofSeconds(1), 2),
              d.apiCallTimeout(), d.apiAttemptTimeout(), Duration.ofMinutes(10), d.maxTrackedIds(), d.maxPagesPerPoll()));
      MicrometerXRaySourceMetrics m = metrics.computeIfAbsent(names[i], n -> new MicrometerXRaySourceMetrics(registry,
          Tags.of("source", n, "account", acc.id(), "region", settings.region())));
      StubConverter stub = new StubConverter(ledger, clock, Duration.ofMinutes(2));
      specs.add(new XRaySources.Spec(settings, stub, stub, m));
    }
    return new XRaySources(specs, EmulatedAccounts.BASE, loops, s -> checkpointOf.apply(s.name()), timedSink, ledger, clock);
  }

  private CheckpointStore<XRayCheckpoint> checkpoints(String name) {
    return new FileCheckpointStore<>(dir.resolve("xray-checkpoint-" + name + ".json"), "bridge.xray.checkpoint-file",
        new XRayCheckpointFormat());
  }

  private List<String> put(Account acc, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Instant now = clock.instant();
      String traceId = segments.traceId(now);
      acc.store().put(XRaySegments.segment(traceId, segments.segmentId(), "", now.minusMillis(50), Duration.ofMillis(20)));
      putAt.put(traceId, System.nanoTime());
      ids.add(traceId);
    }
    return ids;
  }

  /** A trace into every account every 100 ms for {@code d}; throttles {@code throttled} for the whole time. Ids by account. */
  private Map<String, List<String>> traffic(Duration d, Account throttled) {
    Map<String, List<String>> ids = new HashMap<>();
    if (throttled != null) throttled.faults().throttleFor(d);
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      for (Account acc : accounts.all()) ids.computeIfAbsent(acc.id(), k -> new ArrayList<>()).addAll(put(acc, 1));
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return ids;
  }

  private double meanDelayMillis(List<String> ids) {
    double sum = 0;
    for (String id : ids) sum += (deliveredAt.get(id) - putAt.get(id)) / 1e6;
    return sum / ids.size();
  }

  private double maxDelayMillis(List<String> ids) {
    double max = 0;
    for (String id : ids) max = Math.max(max, (deliveredAt.get(id) - putAt.get(id)) / 1e6);
    return max;
  }

  @SafeVarargs
  private static List<String> all(Map<String, List<String>>... maps) {
    List<String> out = new ArrayList<>();
    for (Map<String, List<String>> m : maps) m.values().forEach(out::addAll);
    return out;
  }
}
