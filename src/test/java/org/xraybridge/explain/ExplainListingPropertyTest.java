package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.explain.ExplainFixtures.datadogMetadata;
import static org.xraybridge.explain.ExplainFixtures.nativeHalf;
import static org.xraybridge.explain.ExplainFixtures.xrayHalf;
import static org.xraybridge.explain.ExplainFixtures.xrayId;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.DatadogContext;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;
import org.xraybridge.testing.Cases;

/**
 * Whatever the order of halves, flushes and evictions: every trace the list shows has spans or a
 * drop to show, and opens by each id the list shows for it (its trace id, hex id and trace key).
 */
class ExplainListingPropertyTest {

  private static final String[] ENVS = {"prod", "staging"};
  private static final int[] PRIORITIES = {Priority.USER_REJECT, Priority.AUTO_REJECT, Priority.AUTO_KEEP, Priority.USER_KEEP};

  @Test
  void listedTraces_haveSpansOrDropsAndOpenByEveryListedId() {
    Cases.forAll(20261206L, Cases.tries(300), ExplainListingPropertyTest::steps, steps -> {
      ExplainRecorder recorder = new ExplainRecorder(8, 1 << 20, ExplainFixtures.EVERY_TRACE, Clock.systemUTC());
      ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);
      for (Step s : steps) {
        s.apply(p);
        for (ExplainView.Summary t : recorder.list(ExplainRecorderTest.ALL).traces()) {
          ExplainView.Detail byId = recorder.findAny(IdCodec.traceIdReadings(t.traceId()));
          assertThat(byId).as("trace %s listed after %s opens by its trace id", t.traceId(), s).isNotNull();
          assertThat(byId.summary().traceKey()).isEqualTo(t.traceKey());
          assertThat(recorder.findAny(IdCodec.traceIdReadings(t.traceIdHex()))).as("by its hex id").isNotNull();
          assertThat(recorder.findAny(IdCodec.traceIdReadings(t.traceKey()))).as("by its key").isNotNull();
          assertThat(t.spanCount() > 0 || !byId.drops().isEmpty())
              .as("trace %s (%s) listed with neither spans nor drops after %s", t.traceId(), t.status(), s).isTrue();
          if (t.spanCount() > 0) assertThat(t.services()).isNotEmpty();
        }
      }
    });
  }

  /** One thing the merge stage sees; traces are drawn from a few ids so halves meet. */
  record Step(int kind, long traceId, String env, int priority) {
    void apply(ExplainFixtures.Pipeline p) {
      switch (kind) {
        case 0 -> p.offer(nativeHalf(traceId, priority, env));
        case 1 -> p.offer(xrayHalf(traceId, env));
        case 2 -> p.offer(xrayHalf(xrayId(traceId), traceId ^ 0x55L, env, datadogMetadata(traceId), Half.XRAY_POLL));
        case 3 -> p.offer(xrayHalf(xrayId(traceId), traceId, env,
            new DatadogContext(traceId, ExplainFixtures.CLIENT, priority, java.util.Map.of(), ExplainFixtures.SEGMENT), Half.XRAY_DAEMON));
        default -> p.flush();
      }
    }
  }

  static List<Step> steps(SplittableRandom r) {
    long[] ids = {0x780c0c87013a95e4L, 0x80000000000000a1L, 7L, 0xfffffffffffffff0L, 0x1234567890123456L, 9_000_000_000_000_000_001L};
    int n = 1 + r.nextInt(40);
    List<Step> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Step(r.nextInt(5), ids[r.nextInt(ids.length)] + r.nextInt(6) * 0x100L, ENVS[r.nextInt(ENVS.length)],
          PRIORITIES[r.nextInt(PRIORITIES.length)]));
    }
    return out;
  }
}
