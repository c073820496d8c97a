package org.xraybridge.convert;

import java.util.Objects;
import org.xraybridge.model.Ledger.DocumentReason;

/**
 * A document, or a nested subsegment with everything under it, that yielded no span.
 *
 * @param segmentId the {@code id} as written ({@code ""} when there was none to read)
 * @param message what was wrong and the value found, led by the kind of problem ({@code Malformed …}, {@code Absurd …})
 */
public record Rejection(String segmentId, DocumentReason reason, String message) {
  public Rejection {
    Objects.requireNonNull(segmentId);
    Objects.requireNonNull(reason);
    Objects.requireNonNull(message);
  }
}
