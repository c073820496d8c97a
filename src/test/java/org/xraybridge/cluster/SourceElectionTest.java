package org.xraybridge.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.SourceOwner;

/**
 * The sources election's error is the state of the sources it owns now: a source that could not start
 * here and then moved away (or started after all) leaves no error behind, so the replica's cluster
 * health does not stay DEGRADED over a source it no longer has. The rebalance callbacks are driven
 * directly: no broker is reached (ClusterKafkaTest covers the election through a real one).
 */
class SourceElectionTest {

  private static final List<String> NAMES = List.of("acct-a", "acct-b");
  private static final TopicPartition FIRST = new TopicPartition("elect-sources", 0);

  private final AtomicBoolean checkpointReadable = new AtomicBoolean(false);
  private final SourceOwner owner = new SourceOwner() {
    @Override
    public void acquired(String source) {
      if (!checkpointReadable.get()) throw new IllegalStateException("checkpoint of " + source + " could not be read");
    }

    @Override
    public void released(String source) {}

    @Override
    public void lost(String source) {}
  };

  private static ClusterSettings settings() {
    return new ClusterSettings("a", "127.0.0.1:1", "elect", 3, (short) 1, "elect-bridge", Duration.ofSeconds(1), 900 * 1024,
        4 << 20, Map.of(), Duration.ofSeconds(3), Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofMinutes(30), 5000);
  }

  @Test
  void aSourceThatCouldNotStart_thenMovedAway_leavesNoError() {
    SourceElection election = new SourceElection(settings(), NAMES, owner);

    election.onPartitionsAssigned(List.of(FIRST));
    assertThat(election.lastError()).contains("acct-a", "could not be read");

    election.onPartitionsRevoked(List.of(FIRST));
    assertThat(election.lastError()).isEmpty();
    assertThat(election.owned()).isEmpty();
  }

  @Test
  void aSourceThatCouldNotStart_thenMovedAwayAndBack_andStarted_leavesNoError() {
    SourceElection election = new SourceElection(settings(), NAMES, owner);
    election.onPartitionsAssigned(List.of(FIRST));
    election.onPartitionsLost(List.of(FIRST));

    checkpointReadable.set(true);
    election.onPartitionsAssigned(List.of(FIRST));

    assertThat(election.lastError()).isEmpty();
    assertThat(election.owned()).containsExactly("acct-a");
  }
}
