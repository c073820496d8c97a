package org.xraybridge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.Half;
import org.xraybridge.model.TraceKey;
import org.xraybridge.testing.Cases;

/**
 * The packed index against a plain model: a {@link LinkedHashMap} in order of last write, with the
 * update rules written out again. Random calls, time steps and sweeps on a one-stripe index (where
 * eviction order is exact), with hashes that crowd keys into few buckets so deletion shifts often.
 */
class TraceIndexModelTest {

  enum Kind { NATIVE, XRAY, GET, ADVANCE, CLEAN_UP }

  record Op(Kind kind, long key, long traceId, long tid, String env, int priority, Half half, long seconds, long advanceMillis) {}

  record Scenario(int maxTraces, long ttlMillis, int mixChoice, List<Op> ops) {}

  static final List<LongUnaryOperator> MIXES = List.of(
      TraceIndex::mix,
      k -> 0L,
      k -> (k % 3) * 0x5555_5555L,
      k -> TraceIndex.mix(k) & 0xF000_0000L);

  @Test
  void packedIndex_behavesAsTheModel() {
    Cases.forAll(20_261_129L, Cases.tries(300), TraceIndexModelTest::scenario, TraceIndexModelTest::check);
  }

  static Scenario scenario(SplittableRandom r) {
    int maxTraces = 1 + r.nextInt(r.nextBoolean() ? 8 : 200);
    long ttl = 1 + r.nextInt(100);
    int keys = 1 + r.nextInt(r.nextBoolean() ? 12 : 400);
    String[] envs = {"prod", "staging", "", "env-" + r.nextInt(1000)};
    int n = 1 + r.nextInt(400);
    List<Op> ops = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Kind kind = Kind.values()[pick(r, 40, 25, 20, 12, 3)];
      long key = 1 + r.nextInt(keys);
      long traceId = r.nextInt(10) == 0 ? key | Long.MIN_VALUE : r.nextInt(50) == 0 ? r.nextLong() : key;
      long tid = r.nextBoolean() ? 0 : r.nextInt(3) + 1;
      int priority = r.nextInt(30) == 0 ? r.nextInt() : r.nextInt(5) - 2;
      Half half = r.nextBoolean() ? Half.XRAY_POLL : Half.XRAY_DAEMON;
      ops.add(new Op(kind, key, traceId, tid, envs[r.nextInt(envs.length)], priority, half, r.nextLong(1L << 33),
          r.nextInt(4) == 0 ? ttl + r.nextInt(3) - 1 : r.nextInt((int) ttl + 1)));
    }
    return new Scenario(maxTraces, ttl, r.nextInt(MIXES.size()), ops);
  }

  private static int pick(SplittableRandom r, int... weights) {
    int total = 0;
    for (int w : weights) total += w;
    int x = r.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    throw new AssertionError();
  }

  static void check(Scenario s) {
    StitcherTest.FakeTicker ticker = new StitcherTest.FakeTicker();
    TraceIndex index = new TraceIndex(s.maxTraces(), Duration.ofMillis(s.ttlMillis()), ticker, Scheduler.disabledScheduler(),
        MIXES.get(s.mixChoice()));
    assertThat(index.stripeCount()).isEqualTo(1);
    Model model = new Model(s.maxTraces(), s.ttlMillis());
    for (int i = 0; i < s.ops().size(); i++) {
      Op op = s.ops().get(i);
      TraceKey key = TraceKey.of(op.key());
      String step = "op " + i + " " + op;
      switch (op.kind()) {
        case NATIVE -> assertThat(index.recordNative(key, op.traceId(), op.tid(), op.env(), op.priority(), op.seconds()))
            .as(step).isEqualTo(model.recordNative(op));
        case XRAY -> assertThat(index.recordXRayIfAbsent(key, op.traceId(), op.env(), op.priority(), op.half(), op.seconds()))
            .as(step).isEqualTo(model.recordXRayIfAbsent(op));
        case GET -> assertThat(index.get(key)).as(step).isEqualTo(model.get(op.key()));
        case ADVANCE -> {
          ticker.advance(Duration.ofMillis(op.advanceMillis()));
          model.now += op.advanceMillis();
        }
        case CLEAN_UP -> {
          index.cleanUp();
          model.expire();
        }
      }
      assertThat(index.size()).as(step).isEqualTo(model.entries.size());
      assertThat(index.expired()).as(step).isEqualTo(model.expired);
      assertThat(index.evictedEarly()).as(step).isEqualTo(model.evictedEarly);
    }
    model.expire();
    for (long k : new ArrayList<>(model.entries.keySet())) assertThat(index.get(TraceKey.of(k))).isEqualTo(model.get(k));
  }

  /** The reference: what the index promises, with no packing and no cleverness. */
  static final class Model {
    record Written(IndexEntry entry, long atMillis) {}

    final int maxTraces;
    final long ttlMillis;
    final LinkedHashMap<Long, Written> entries = new LinkedHashMap<>();
    long now;
    long expired;
    long evictedEarly;

    Model(int maxTraces, long ttlMillis) {
      this.maxTraces = maxTraces;
      this.ttlMillis = ttlMillis;
    }

    void expire() {
      for (Iterator<Map.Entry<Long, Written>> it = entries.entrySet().iterator(); it.hasNext(); ) {
        if (now - it.next().getValue().atMillis() < ttlMillis) break;
        it.remove();
        expired++;
      }
    }

    IndexEntry get(long key) {
      expire();
      Written w = entries.get(key);
      return w == null ? null : w.entry();
    }

    IndexEntry recordNative(Op op) {
      IndexEntry old = get(op.key());
      IndexEntry after;
      if (old == null || (!old.nativeSeen() && !old.env().equals(op.env()))) {
        after = new IndexEntry(op.traceId(), op.tid(), op.env(), op.priority(), Half.NATIVE, true, op.seconds());
      } else if (old.nativeSeen() && (old.traceIdHigh() != 0 || op.tid() == 0)) {
        after = old;
      } else {
        after = new IndexEntry(op.traceId(), op.tid() != 0 ? op.tid() : old.traceIdHigh(), old.nativeSeen() ? old.env() : op.env(),
            old.priority(), old.decidedBy(), true, old.firstSeenSeconds());
      }
      write(op.key(), after, old != null);
      return after;
    }

    IndexEntry recordXRayIfAbsent(Op op) {
      IndexEntry old = get(op.key());
      if (old != null) return old;
      write(op.key(), new IndexEntry(op.traceId(), 0, op.env(), op.priority(), op.half(), false, op.seconds()), false);
      return null;
    }

    private void write(long key, IndexEntry entry, boolean present) {
      if (present) {
        entries.remove(key);
      } else if (entries.size() >= maxTraces) {
        entries.remove(entries.keySet().iterator().next());
        evictedEarly++;
      }
      entries.put(key, new Written(entry, now));
    }
  }
}
