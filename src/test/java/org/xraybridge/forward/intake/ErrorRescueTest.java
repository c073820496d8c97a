package org.xraybridge.forward.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ErrorRescueTest {

  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(5 * SECOND);

  @Test
  void offer_keepsAtMostTheBudgetEachSecond() {
    ErrorRescue rescue = new ErrorRescue(3, now::get);
    int kept = keptOf(rescue, 5);
    assertThat(kept).isEqualTo(3);
    now.addAndGet(SECOND / 2);
    int spent = keptOf(rescue, 5);
    assertThat(spent).as("same second, budget spent").isZero();
    now.addAndGet(SECOND);
    int next = keptOf(rescue, 2);
    assertThat(next).isEqualTo(2);
    assertThat(kept + spent + next).as("rescued in all").isEqualTo(5);
  }

  @Test
  void offer_stampsTheShareKeptInThePreviousSecond() {
    ErrorRescue rescue = new ErrorRescue(2, now::get);
    assertThat(rescue.offer()).as("nothing seen before: all kept so far").isEqualTo(1.0);
    for (int i = 0; i < 7; i++) rescue.offer(); // 8 seen in this second
    now.addAndGet(SECOND);
    assertThat(rescue.offer()).as("2 of the 8 the second before").isEqualTo(0.25);
    now.addAndGet(3 * SECOND);
    assertThat(rescue.offer()).as("an idle gap resets the measure").isEqualTo(1.0);
  }

  @Test
  void offer_zeroBudget_keepsNothing() {
    ErrorRescue off = new ErrorRescue(0, now::get);
    assertThat(keptOf(off, 10)).as("none rescued").isZero();
  }

  @Test
  void new_negativeOrNaN_isRefused() {
    assertThatThrownBy(() -> new ErrorRescue(-1, now::get)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ErrorRescue(Double.NaN, now::get)).isInstanceOf(IllegalArgumentException.class);
  }

  private static int keptOf(ErrorRescue rescue, int offers) {
    int kept = 0;
    for (int i = 0; i < offers; i++) {
      if (rescue.offer() > 0) kept++;
    }
    return kept;
  }
}
