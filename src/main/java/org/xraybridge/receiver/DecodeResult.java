package org.xraybridge.receiver;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.model.TraceChunk;

/**
 * What one decoded trace payload yielded: the good chunks, and an account of every span the decoder
 * found.
 *
 * <p>Span accounting (the receiver reports these to the ledger): a span is <em>received</em> when
 * the decoder has delimited it as an element of a trace array, whatever its content. Every received
 * span is either in {@link #chunks} or counted in exactly one of {@link #spansMalformed} (its bytes
 * are not a decodable span, or the body ended inside its trace) or {@link #spansInvalid} (a decoded
 * span that breaks the wire contract: trace_id or span_id 0, or a trace_id foreign to its trace).
 * So {@code spansReceived = accepted() + spansMalformed + spansInvalid} always holds. Spans the
 * decoder could not even delimit (after the framing broke, or inside a trace element that is not an
 * array) cannot be counted; {@link #error} then says so and the request is answered 400.
 *
 * <p>Mutable while a decoder fills it; read-only afterwards. Not thread-safe.
 */
final class DecodeResult {

  final List<TraceChunk> chunks = new ArrayList<>();
  /** Trace elements delimited (compared with {@code X-Datadog-Trace-Count}). */
  int traces;
  long spansReceived;
  long spansMalformed;
  long spansInvalid;
  /** Repairs by kind, for {@code Ledger.repaired}: start before 2000, negative duration, bad UTF-8. */
  int repairedStarts;
  int repairedDurations;
  int repairedStrings;
  /** First malformation found, with where it was; {@code ""} when the payload decoded cleanly. */
  String error = "";
  /** How many malformations were found in all (the error text names the first). */
  int errors;

  /** Spans in {@link #chunks}. */
  long accepted() {
    long n = 0;
    for (int i = 0; i < chunks.size(); i++) n += chunks.get(i).size();
    return n;
  }

  boolean malformed() {
    return errors > 0;
  }

  void malformed(String message) {
    if (errors++ == 0) error = message;
  }

  /** The 400 body: the first error, and how many more there were. */
  String errorText() {
    return errors <= 1 ? error : error + " (and " + (errors - 1) + " more)";
  }
}
