package org.xraybridge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.TraceKey;

/** The packed trace index against its contract: the update rules of docs/stitching.md, TTL, bound, collisions, threads. */
class TraceIndexTest {

  static final Duration TTL = Duration.ofMinutes(30);
  static final long TID = 0x6b0bb2f800000000L;

  final StitcherTest.FakeTicker ticker = new StitcherTest.FakeTicker();

  TraceIndex index(long max) {
    return new TraceIndex(max, TTL, ticker, Scheduler.disabledScheduler());
  }

  TraceIndex index(long max, LongUnaryOperator mix) {
    return new TraceIndex(max, TTL, ticker, Scheduler.disabledScheduler(), mix);
  }

  static TraceKey key(long id) {
    return TraceKey.of(id);
  }

  @Test
  void get_afterRecordNative_returnsEveryFieldAsWritten() {
    TraceIndex index = index(1_000);
    long id = 0x800000000000002aL; // top bit set: the key drops it, the entry keeps it
    IndexEntry written = index.recordNative(key(id), id, TID, "prod", Priority.USER_REJECT, 1_795_000_000L);
    IndexEntry read = index.get(key(id));
    assertThat(read).isEqualTo(written);
    assertThat(read.traceId()).isEqualTo(id);
    assertThat(read.traceIdHigh()).isEqualTo(TID);
    assertThat(read.env()).isEqualTo("prod");
    assertThat(read.priority()).isEqualTo(Priority.USER_REJECT);
    assertThat(read.decidedBy()).isEqualTo(Half.NATIVE);
    assertThat(read.nativeSeen()).isTrue();
    assertThat(read.firstSeenSeconds()).isEqualTo(1_795_000_000L);
    assertThat(index.get(key(43))).isNull();
  }

  @Test
  void get_afterRecordXRay_returnsTheXRayDecision() {
    TraceIndex index = index(1_000);
    assertThat(index.recordXRayIfAbsent(key(7), 7, "staging", Priority.NONE, Half.XRAY_DAEMON, 5)).isNull();
    assertThat(index.get(key(7))).isEqualTo(new IndexEntry(7, 0, "staging", Priority.NONE, Half.XRAY_DAEMON, false, 5));
  }

  @Test
  void recordNative_afterXRayOfSameEnv_keepsTheXRayDecisionAndAddsTheNativeIds() {
    TraceIndex index = index(1_000);
    index.recordXRayIfAbsent(key(7), 7, "prod", Priority.USER_KEEP, Half.XRAY_POLL, 5);
    long nativeId = 7 | Long.MIN_VALUE;
    IndexEntry e = index.recordNative(key(7), nativeId, TID, "prod", Priority.AUTO_REJECT, 9);
    assertThat(e).isEqualTo(new IndexEntry(nativeId, TID, "prod", Priority.USER_KEEP, Half.XRAY_POLL, true, 5));
    assertThat(index.get(key(7))).isEqualTo(e);
  }

  @Test
  void recordNative_afterXRayOfOtherEnv_theTracerDecidesAnew() {
    TraceIndex index = index(1_000);
    index.recordXRayIfAbsent(key(7), 7, "staging", Priority.USER_KEEP, Half.XRAY_POLL, 5);
    IndexEntry e = index.recordNative(key(7), 7, 0, "prod", Priority.AUTO_REJECT, 9);
    assertThat(e).isEqualTo(new IndexEntry(7, 0, "prod", Priority.AUTO_REJECT, Half.NATIVE, true, 9));
    assertThat(index.get(key(7))).isEqualTo(e);
  }

  @Test
  void recordNative_nativeSeenWithTid_nothingChanges() {
    TraceIndex index = index(1_000);
    IndexEntry first = index.recordNative(key(7), 7, TID, "prod", Priority.AUTO_KEEP, 5);
    IndexEntry again = index.recordNative(key(7), 7 | Long.MIN_VALUE, TID + 1, "staging", Priority.USER_REJECT, 9);
    assertThat(again).isEqualTo(first);
    assertThat(index.get(key(7))).isEqualTo(first);
  }

  @Test
  void recordNative_nativeSeenWithoutTid_noTidAgain_nothingChanges() {
    TraceIndex index = index(1_000);
    IndexEntry first = index.recordNative(key(7), 7, 0, "prod", Priority.AUTO_KEEP, 5);
    assertThat(index.recordNative(key(7), 7, 0, "staging", Priority.USER_REJECT, 9)).isEqualTo(first);
  }

  @Test
  void recordNative_nativeSeenWithoutTid_laterTid_addsItAndKeepsTheRest() {
    TraceIndex index = index(1_000);
    index.recordNative(key(7), 7, 0, "prod", Priority.AUTO_KEEP, 5);
    IndexEntry e = index.recordNative(key(7), 7, TID, "staging", Priority.USER_REJECT, 9);
    assertThat(e).isEqualTo(new IndexEntry(7, TID, "prod", Priority.AUTO_KEEP, Half.NATIVE, true, 5));
    assertThat(index.get(key(7))).isEqualTo(e);
  }

  @Test
  void recordXRayIfAbsent_present_returnsItAndChangesNothing() {
    TraceIndex index = index(1_000);
    IndexEntry nativeEntry = index.recordNative(key(7), 7, TID, "prod", Priority.AUTO_REJECT, 5);
    assertThat(index.recordXRayIfAbsent(key(7), 7, "staging", Priority.USER_KEEP, Half.XRAY_POLL, 9)).isEqualTo(nativeEntry);
    assertThat(index.get(key(7))).isEqualTo(nativeEntry);
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void valuesThatDoNotPack_areKeptWhole() {
    TraceIndex index = index(100_000);
    index.recordNative(key(1), 1, 0, "prod", 300, 5);
    index.recordNative(key(2), 2, 0, "prod", -200, 5);
    long mismatched = 0x1234L; // not a trace id the key came from: still given back as written
    index.recordXRayIfAbsent(key(3), mismatched, "prod", 1, Half.XRAY_POLL, 5);
    assertThat(index.get(key(1)).priority()).isEqualTo(300);
    assertThat(index.get(key(2)).priority()).isEqualTo(-200);
    assertThat(index.get(key(3)).traceId()).isEqualTo(mismatched);
    // more envs than the env table holds
    int envs = EnvTable.CAPACITY + 200;
    for (int i = 0; i < envs; i++) index.recordNative(key(1_000 + i), 1_000 + i, 0, "env-" + i, 1, 5);
    for (int i = 0; i < envs; i++) assertThat(index.get(key(1_000 + i)).env()).isEqualTo("env-" + i);
    // an entry kept whole, overwritten by one that packs, reads as the new one
    index.recordXRayIfAbsent(key(4), 4, "prod", 500, Half.XRAY_POLL, 5);
    assertThat(index.recordNative(key(4), 4, 0, "staging", 1, 6)).isEqualTo(new IndexEntry(4, 0, "staging", 1, Half.NATIVE, true, 6));
    assertThat(index.get(key(4)).priority()).isEqualTo(1);
  }

  @Test
  void ttl_expiredEntriesAreCountedRemovedAndTheirMemoryGivenBack() {
    TraceIndex index = index(100_000);
    for (long i = 1; i <= 10_000; i++) index.recordNative(key(i), i, 0, "prod", 1, 0);
    long grown = index.capacity();
    ticker.advance(TTL.minusMillis(1));
    index.cleanUp();
    assertThat(index.size()).isEqualTo(10_000);
    ticker.advance(Duration.ofMillis(1));
    index.cleanUp();
    assertThat(index.size()).isZero();
    assertThat(index.expired()).isEqualTo(10_000);
    assertThat(index.evictedEarly()).isZero();
    assertThat(index.get(key(5))).isNull();
    assertThat(grown).isGreaterThan(10_000);
    assertThat(index.capacity()).isEqualTo(16L * index.stripeCount()); // back to the first allocation
  }

  @Test
  void ttl_startsAgainOnEveryNativeWrite_butNotOnAnXRayHalfThatFoundTheTrace() {
    TraceIndex index = index(1_000);
    index.recordNative(key(1), 1, 0, "prod", 1, 0);
    index.recordNative(key(2), 2, 0, "prod", 1, 0);
    ticker.advance(Duration.ofMinutes(20));
    index.recordNative(key(1), 1, 0, "prod", 1, 0); // nothing new, still a write
    index.recordXRayIfAbsent(key(2), 2, "prod", 2, Half.XRAY_POLL, 0); // found it: no write
    ticker.advance(Duration.ofMinutes(15));
    assertThat(index.get(key(1))).isNotNull();
    assertThat(index.get(key(2))).isNull(); // due without a sweep: not handed out, counted as expired
    assertThat(index.expired()).isEqualTo(1);
  }

  @Test
  void ttl_expiryRunsOnTheScheduler_andReschedulesWhileTracesRemain() {
    ManualScheduler scheduler = new ManualScheduler();
    TraceIndex index = new TraceIndex(1_000, TTL, ticker, scheduler);
    index.recordNative(key(1), 1, 0, "prod", 1, 0);
    assertThat(scheduler.delaysMillis).containsExactly(TTL.toMillis());
    ticker.advance(Duration.ofMinutes(10));
    index.recordNative(key(2), 2, 0, "prod", 1, 0);
    assertThat(scheduler.delaysMillis).hasSize(1); // one pending sweep serves both
    ticker.advance(Duration.ofMinutes(20));
    scheduler.runPending();
    assertThat(index.get(key(1))).isNull();
    assertThat(index.size()).isEqualTo(1);
    assertThat(index.expired()).isEqualTo(1);
    assertThat(scheduler.delaysMillis).containsExactly(TTL.toMillis(), Duration.ofMinutes(10).toMillis());
    ticker.advance(Duration.ofMinutes(10));
    scheduler.runPending();
    assertThat(index.size()).isZero();
    assertThat(scheduler.pending).isEmpty(); // nothing left to expire: no timer
  }

  @Test
  void bound_evictsTheOldestWriteFirst_countedAsEarly() {
    TraceIndex index = index(5);
    for (long i = 1; i <= 5; i++) index.recordNative(key(i), i, 0, "prod", 1, 0);
    index.recordNative(key(1), 1, TID, "prod", 1, 0); // written again: now the newest
    for (long i = 6; i <= 8; i++) index.recordNative(key(i), i, 0, "prod", 1, 0);
    assertThat(index.size()).isEqualTo(5);
    assertThat(index.evictedEarly()).isEqualTo(3);
    assertThat(index.expired()).isZero();
    for (long gone : new long[] {2, 3, 4}) assertThat(index.get(key(gone))).isNull();
    for (long kept : new long[] {1, 5, 6, 7, 8}) assertThat(index.get(key(kept))).isNotNull();
  }

  @Test
  void bound_expiredTracesMakeRoomBeforeAnyIsEvictedEarly() {
    TraceIndex index = index(3);
    for (long i = 1; i <= 3; i++) index.recordNative(key(i), i, 0, "prod", 1, 0);
    ticker.advance(TTL);
    index.recordNative(key(4), 4, 0, "prod", 1, 0);
    assertThat(index.expired()).isEqualTo(3);
    assertThat(index.evictedEarly()).isZero();
  }

  @Test
  void bound_fullIndexAndAnEmptyStripe_roomComesFromAnotherStripe() {
    // eight stripes chosen by the key's low three bits; stripes 0-6 filled to the bound, stripe 7 empty
    LongUnaryOperator mix = k -> ((k & 7) << 61) | (TraceIndex.mix(k) & 0xFFFF_FFFFL);
    TraceIndex index = index(32_768, mix);
    assertThat(index.stripeCount()).isEqualTo(8);
    long written = 0;
    for (long stripe = 0; stripe < 7 && written < 32_768; stripe++) {
      for (long i = 0; i < 5_184 && written < 32_768; i++, written++) {
        long id = (i << 3) | stripe;
        index.recordNative(key(id), id, 0, "prod", 1, 0);
      }
    }
    assertThat(index.size()).isEqualTo(32_768);
    assertThat(index.evictedEarly()).isZero();
    index.recordNative(key(7), 7, 0, "prod", 1, 0);
    assertThat(index.size()).isEqualTo(32_768);
    assertThat(index.evictedEarly()).isEqualTo(1);
    assertThat(index.get(key(7))).isNotNull();
  }

  @Test
  void deletion_inOneProbeRun_keepsEveryLaterEntryFindable() {
    for (LongUnaryOperator mix : List.<LongUnaryOperator>of(
        k -> 0L, // one bucket: one run from slot 0
        k -> 0xFFFF_FFFFL, // the last bucket: the run wraps round the table
        k -> (k & 1) == 0 ? 0xFFFF_FFFFL : 0xF000_0000L)) { // two runs that meet
      TraceIndex index = index(1_000, mix);
      for (long i = 1; i <= 40; i++) index.recordNative(key(i), i, 0, "prod", 1, 0);
      ticker.advance(Duration.ofMinutes(10));
      for (long i = 2; i <= 40; i += 2) index.recordNative(key(i), i, 0, "prod", 1, 0);
      ticker.advance(Duration.ofMinutes(20));
      index.cleanUp(); // removes the odd keys from the middle of the runs
      assertThat(index.size()).isEqualTo(20);
      for (long i = 1; i <= 40; i++) {
        if (i % 2 == 0) assertThat(index.get(key(i))).as("key %d", i).isNotNull();
        else assertThat(index.get(key(i))).as("key %d", i).isNull();
      }
      for (long i = 41; i <= 60; i++) index.recordNative(key(i), i, 0, "prod", 1, 0);
      for (long i = 2; i <= 60; i += (i < 40 ? 2 : 1)) assertThat(index.get(key(i))).as("key %d", i).isNotNull();
    }
  }

  @Test
  void concurrentWriters_belowTheBound_loseNothing() throws Exception {
    TraceIndex index = index(1_000_000);
    assertThat(index.stripeCount()).isGreaterThan(1);
    int threads = 4;
    int perThread = 50_000;
    runConcurrently(threads, t -> {
      for (long i = 0; i < perThread; i++) {
        long id = TraceIndex.mix(t * 1_000_000L + i) & Long.MAX_VALUE;
        if ((i & 1) == 0) index.recordNative(key(id), id, 0, "prod", 1, 0);
        else index.recordXRayIfAbsent(key(id), id, "prod", 2, Half.XRAY_POLL, 0);
        index.get(key(id));
      }
    });
    assertThat(index.size()).isEqualTo((long) threads * perThread);
    assertThat(index.evictedEarly()).isZero();
    for (int t = 0; t < threads; t++) {
      for (long i = 0; i < perThread; i++) {
        long id = TraceIndex.mix(t * 1_000_000L + i) & Long.MAX_VALUE;
        assertThat(index.get(key(id))).isNotNull();
      }
    }
  }

  @Test
  void concurrentWriters_pastTheBound_holdItAndCountEveryEviction() throws Exception {
    TraceIndex index = index(20_000);
    int threads = 4;
    int perThread = 30_000;
    runConcurrently(threads, t -> {
      for (long i = 0; i < perThread; i++) {
        long id = t * 1_000_000L + i;
        index.recordNative(key(id), id, 0, "prod", 1, 0);
        assertThat(index.size()).isLessThanOrEqualTo(20_000);
      }
    });
    assertThat(index.size()).isEqualTo(20_000);
    assertThat(index.evictedEarly()).isEqualTo((long) threads * perThread - 20_000);
  }

  @Test
  void badBounds_areRejectedNamingTheSetting() {
    assertThatThrownBy(() -> index(0)).hasMessageContaining("bridge.merge.index-max-traces");
    assertThatThrownBy(() -> index(TraceIndex.MAX_TRACES + 1)).hasMessageContaining("bridge.merge.index-max-traces");
    assertThatThrownBy(() -> new TraceIndex(10, TraceIndex.MAX_TTL.plusMillis(1), ticker, Scheduler.disabledScheduler()))
        .hasMessageContaining("bridge.merge.index-ttl");
    assertThatThrownBy(() -> new TraceIndex(10, Duration.ofSeconds(-1), ticker, Scheduler.disabledScheduler()))
        .hasMessageContaining("bridge.merge.index-ttl");
  }

  interface ThreadBody {
    void run(int thread) throws Exception;
  }

  static void runConcurrently(int threads, ThreadBody body) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      CompletableFuture<Void> f = new CompletableFuture<>();
      done.add(f);
      new Thread(() -> {
        try {
          start.await();
          body.run(thread);
          f.complete(null);
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      }).start();
    }
    start.countDown();
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }

  /** A scheduler that runs its tasks only when the test says so, and remembers the delays asked for. */
  static final class ManualScheduler implements Scheduler {
    final List<Long> delaysMillis = new ArrayList<>();
    final List<Runnable> pending = new ArrayList<>();

    @Override
    public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
      delaysMillis.add(unit.toMillis(delay));
      pending.add(command);
      return new CompletableFuture<>();
    }

    void runPending() {
      List<Runnable> now = new ArrayList<>(pending);
      pending.clear();
      now.forEach(Runnable::run);
    }
  }
}
