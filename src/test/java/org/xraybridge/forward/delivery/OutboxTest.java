package org.xraybridge.forward.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxTest {
  private final List<Payload> overflow = new ArrayList<>();

  private static Payload payload(long id, int bytes) {
    return new Payload(PayloadKind.AGENT_TRACES, new byte[bytes], false, Map.of(), 1, new long[] {id});
  }

  @Test
  void saturated_atEitherBound() throws InterruptedException {
    Outbox byCount = new Outbox(1 << 20, 2, overflow::add);
    byCount.offer(payload(1, 10));
    assertThat(byCount.saturated()).isFalse();
    byCount.offer(payload(2, 10));
    assertThat(byCount.saturated()).isTrue();
    Outbox byBytes = new Outbox(100, 100, overflow::add);
    byBytes.offer(payload(1, 100));
    assertThat(byBytes.saturated()).isTrue();
    assertThat(byBytes.poll(0).spanIds()).containsExactly(1);
    assertThat(byBytes.saturated()).isFalse();
  }

  @Test
  void offer_pastTwiceTheBound_handsTheOldestToOverflow() {
    Outbox o = new Outbox(1 << 20, 2, overflow::add);
    for (int i = 1; i <= 6; i++) o.offer(payload(i, 10));
    assertThat(overflow).extracting(p -> p.spanIds()[0]).containsExactly(1L, 2L);
    assertThat(o.payloads()).isEqualTo(4);
    List<Payload> left = o.drain();
    assertThat(left.stream().mapToInt(Payload::spanCount).sum()).isEqualTo(4);
    assertThat(left).extracting(p -> p.spanIds()[0]).containsExactly(3L, 4L, 5L, 6L);
    assertThat(o.bytes()).isZero();
  }

  @Test
  void poll_empty_waitsAtMostTheTimeout() throws InterruptedException {
    Outbox o = new Outbox(10, 10, overflow::add);
    long t0 = System.nanoTime();
    assertThat(o.poll(20_000_000L)).isNull();
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(15_000_000L);
  }
}
