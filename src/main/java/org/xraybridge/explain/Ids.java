package org.xraybridge.explain;

import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Priority;

/** Printing for the explain view: ids through the one codec, priorities by their dd-trace names. */
final class Ids {

  private Ids() {}

  /** Unsigned decimal, or {@code ""} for 0 (no id). */
  static String dec(long id) {
    return id == 0 ? "" : IdCodec.toUnsignedDecimal(id);
  }

  /** 16 lower-hex digits, or {@code ""} for 0 (no id). */
  static String hex(long id) {
    return id == 0 ? "" : IdCodec.toHex64(id);
  }

  static ExplainView.Sampling sampling(int priority, String decidedBy) {
    return new ExplainView.Sampling(priority, priorityName(priority), decidedBy);
  }

  /** The name dd-trace gives a sampling priority ({@code PrioritySampling}). */
  static String priorityName(int priority) {
    return switch (priority) {
      case Priority.USER_REJECT -> "user_reject";
      case Priority.AUTO_REJECT -> "auto_reject";
      case Priority.AUTO_KEEP -> "auto_keep";
      case Priority.USER_KEEP -> "user_keep";
      case Priority.NONE -> "none";
      default -> priority > 0 ? "keep" : "reject";
    };
  }
}
