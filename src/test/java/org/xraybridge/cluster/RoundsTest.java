package org.xraybridge.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A round's offsets become committable only once it and every earlier round are done (docs/cluster.md,
 * "Kafka is the buffer"): rounds finish out of order, a round with abandoned spans never finishes,
 * and partitions given up are forgotten.
 */
class RoundsTest {

  static final TopicPartition P0 = new TopicPartition("s", 0);
  static final TopicPartition P1 = new TopicPartition("s", 1);

  @Test
  void aLaterRoundDoneFirst_waitsForTheEarlierOne() {
    Rounds rounds = new Rounds();
    Round a = rounds.start();
    a.read(P0, 10);
    a.expect(5);
    a.close();
    Round b = rounds.start();
    b.read(P0, 11);
    b.read(P1, 3);
    b.expect(2);
    b.close();
    b.settled(2);
    assertThat(rounds.committable(Set.of(P0, P1))).isEmpty();
    assertThat(rounds.pending(List.of(P1))).isTrue();
    a.settled(5);
    assertThat(rounds.committable(Set.of(P0, P1))).containsOnlyKeys(P0, P1);
    assertThat(rounds.committable(Set.of(P0)).get(P0).offset()).isEqualTo(12);
    assertThat(rounds.committable(Set.of(P1)).get(P1).offset()).isEqualTo(4);
    assertThat(rounds.pending(List.of(P0, P1))).isFalse();
  }

  @Test
  void anOpenRound_orOneWithAbandonedSpans_isNeverDone() {
    Rounds rounds = new Rounds();
    Round open = rounds.start();
    open.read(P0, 1);
    assertThat(rounds.committable(Set.of(P0))).isEmpty(); // not closed: its records are still going through merge
    open.close();
    assertThat(rounds.committable(Set.of(P0)).get(P0).offset()).isEqualTo(2); // nothing handed on: done at once
    Round r = rounds.start();
    r.read(P0, 2);
    r.expect(3);
    r.close();
    r.settled(1);
    r.abandoned(2);
    assertThat(r.done()).isFalse();
    assertThat(rounds.committable(Set.of(P0)).get(P0).offset()).isEqualTo(2);
  }

  @Test
  void partitionsGivenUp_areForgotten() {
    Rounds rounds = new Rounds();
    Round r = rounds.start();
    r.read(P0, 4);
    r.read(P1, 8);
    r.close();
    rounds.forget(List.of(P1));
    assertThat(rounds.committable(Set.of(P0, P1))).containsOnlyKeys(P0);
  }
}
