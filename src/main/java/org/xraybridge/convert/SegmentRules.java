package org.xraybridge.convert;

import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.TimeCodec;

/**
 * The rules of docs/conversion.md §0 that a top-level document and a nested subsegment share, each
 * written once with its reason and message. The callers decide the order they are checked in, as §0
 * does; a broken rule is thrown as {@link Broken} and becomes one counted rejection.
 */
final class SegmentRules {

  /** Starts more than this after the clock are absurd. */
  private static final long FUTURE_TOLERANCE_NANOS = 86_400L * 1_000_000_000L;

  private SegmentRules() {}

  /** A rule the (sub)segment broke. No stack trace: it reports bad data, which is counted, not debugged. */
  static final class Broken extends Exception {
    private final DocumentReason reason;

    Broken(DocumentReason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    DocumentReason reason() {
      return reason;
    }
  }

  static Broken missing(String message) {
    return new Broken(DocumentReason.MISSING_FIELD, message);
  }

  /** {@code id}, {@code name} and {@code start_time} are present; {@code noun} is "segment" or "subsegment". */
  static void requireIdNameStart(Segment s, String noun) throws Broken {
    if (s.id().isEmpty()) throw missing("Malformed " + noun + ": id is missing");
    if (s.name().isEmpty()) throw missing("Malformed " + noun + ": name is missing");
    if (s.startTime().isEmpty()) throw missing("Malformed " + noun + ": start_time is missing");
  }

  /** A span id: 16 hex digits, not all zeros; {@code what} names the field in the message. */
  static long spanId(String text, String what) throws Broken {
    try {
      return IdCodec.parseHex64(text, what);
    } catch (IdCodec.IdFormatException e) {
      throw new Broken(DocumentReason.MALFORMED_ID, "Malformed " + e.getMessage());
    }
  }

  /** The Datadog trace id of an X-Ray trace id (docs/conversion.md §1). */
  static long traceId(String text) throws Broken {
    try {
      return IdCodec.datadogTraceId(text);
    } catch (IdCodec.IdFormatException e) {
      throw new Broken(DocumentReason.MALFORMED_ID, "Malformed " + e.getMessage());
    }
  }

  /** A time in ns (docs/conversion.md §2); too large to hold is absurd, not a number is malformed. */
  static long nanos(String text) throws Broken {
    try {
      return TimeCodec.nanos(text);
    } catch (TimeCodec.TimeRangeException e) {
      throw new Broken(DocumentReason.ABSURD_TIME, "Absurd time: " + e.getMessage());
    } catch (TimeCodec.TimeFormatException e) {
      throw missing("Malformed time: " + e.getMessage());
    }
  }

  /** A start more than a day after the clock is absurd. */
  static void notInFuture(long startNanos, String startText, long nowNanos) throws Broken {
    if (startNanos > nowNanos + FUTURE_TOLERANCE_NANOS) {
      throw new Broken(DocumentReason.ABSURD_TIME, "Absurd start_time: " + startText + " is more than a day after the clock");
    }
  }
}
