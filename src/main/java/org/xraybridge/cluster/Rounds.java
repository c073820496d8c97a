package org.xraybridge.cluster;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The consumer's rounds in the order they were read, and the offsets they make committable: a round's
 * offsets count only once it and every round before it are done, so a commit never passes a record
 * whose spans are still on their way (a round can finish before an earlier one: the forward stage
 * delivers payloads on several threads). Consumer thread only.
 */
final class Rounds {

  private final ArrayDeque<Round> rounds = new ArrayDeque<>();
  private final Map<TopicPartition, Long> committable = new HashMap<>();

  Round start() {
    Round r = new Round();
    rounds.addLast(r);
    return r;
  }

  /** Moves the offsets of the done rounds at the head into the committable set. */
  void collectDone() {
    while (!rounds.isEmpty() && rounds.peekFirst().done()) {
      for (Map.Entry<TopicPartition, Long> e : rounds.removeFirst().next.entrySet()) committable.merge(e.getKey(), e.getValue(), Math::max);
    }
  }

  /** Whether a round not done yet read from any of {@code partitions}. */
  boolean pending(Collection<TopicPartition> partitions) {
    collectDone();
    for (Round r : rounds) {
      for (TopicPartition tp : partitions) if (r.next.containsKey(tp)) return true;
    }
    return false;
  }

  int size() {
    return rounds.size();
  }

  /** The offsets of {@code owned} partitions that every round before them finished: safe to commit. */
  Map<TopicPartition, OffsetAndMetadata> committable(Set<TopicPartition> owned) {
    collectDone();
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> e : committable.entrySet()) {
      if (owned.contains(e.getKey())) out.put(e.getKey(), new OffsetAndMetadata(e.getValue()));
    }
    return out;
  }

  /** Partitions this replica no longer owns: nothing of theirs is committed any more. */
  void forget(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      committable.remove(tp);
      for (Round r : rounds) r.next.remove(tp);
    }
  }
}
