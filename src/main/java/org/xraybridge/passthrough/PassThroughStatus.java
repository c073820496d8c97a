package org.xraybridge.passthrough;

import java.time.Instant;
import java.util.Objects;

/**
 * The pass-through's state for a health indicator.
 *
 * @param mode {@code agent}, {@code intake} or {@code none}
 * @param target the Agent's URL in agent mode (no user info or query), else {@code ""}
 * @param agentReachable agent mode: whether the Agent answered the last {@code /info} read and no
 *     relay has failed to reach it since
 * @param lastAgentInfoAt when the Agent last answered {@code /info}, {@link Instant#EPOCH} if never
 * @param lastError the last failure to reach a next hop, scrubbed, {@code ""} if none
 * @param lastErrorAt when, {@link Instant#EPOCH} if never
 */
public record PassThroughStatus(
    String mode, String target, boolean agentReachable, Instant lastAgentInfoAt, String lastError, Instant lastErrorAt) {

  public PassThroughStatus {
    Objects.requireNonNull(mode, "mode == null");
    Objects.requireNonNull(target, "target == null");
    Objects.requireNonNull(lastAgentInfoAt, "lastAgentInfoAt == null");
    Objects.requireNonNull(lastError, "lastError == null");
    Objects.requireNonNull(lastErrorAt, "lastErrorAt == null");
  }
}
