package org.xraybridge.model;

import java.time.Instant;
import java.util.Objects;

/**
 * The last error a stage met and when, for its status: one value, so a health read never pairs one
 * error's text with another's time.
 *
 * @param text what went wrong, {@code ""} if nothing did
 * @param at when, {@link Instant#EPOCH} if never
 */
public record LastError(String text, Instant at) {

  public static final LastError NONE = new LastError("", Instant.EPOCH);

  public LastError {
    Objects.requireNonNull(text, "text == null");
    Objects.requireNonNull(at, "at == null");
  }
}
