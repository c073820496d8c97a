package org.xraybridge.receiver;

/**
 * What the receiver counts about requests and connections; implemented by the operations side. Spans
 * are not counted here: they go to the {@code Ledger}. These counts cover what the ledger cannot see,
 * such as requests whose body was never decoded (docs/receiver.md, "Accounting"). Implementations
 * must be thread-safe and never block: every method is called on an event loop or a decode thread.
 */
public interface ReceiverMetrics {

  /** Why a request was not taken as sent. */
  enum Refusal {
    /** 400, a body that did not decode, or 415, a {@code Content-Encoding}. */
    MALFORMED("malformed"),
    /** 413: the body is larger than {@code maxBodyBytes}. */
    OVERSIZED("oversized"),
    /** The next stage, the buffer budget or the decode queue was full: 429, or 200 as the Agent answers. */
    OVERLOADED("overloaded"),
    /** 408: no body bytes within {@code readTimeout}, or a body slower than the minimum pace. */
    TIMED_OUT("timed_out"),
    /** 404, an unknown path, or 405, a known path with the wrong method. */
    NOT_FOUND("not_found"),
    /** 403: a browser's cross-site request. */
    FORBIDDEN("forbidden"),
    /** The client closed the connection before its body ended: nothing taken, no one to answer. */
    ABORTED("aborted");

    private final String tag;

    Refusal(String tag) {
      this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
      return tag;
    }
  }

  /** An HTTP request arrived, whatever its path; counted before its body is read. */
  void incrementRequests();

  /** A request was refused for {@code why}. */
  void requestRefused(Refusal why);

  /** {@code GET /info} was answered (tracers' feature discovery). */
  void incrementInfoRequests();

  /** A trace payload was decoded, whether its spans were then taken or not. */
  void incrementTracePayloads();

  /** The next stage took the {@code spans} (at least one) of a trace payload. */
  void incrementAcceptedPayloads(long spans);

  /**
   * A trace payload was refused before decoding (buffer budget or decode queue full), so its spans
   * could not be counted; {@code declaredTraces} is its {@code X-Datadog-Trace-Count}, -1 if absent
   * or not a number. The request is also reported as {@link Refusal#OVERLOADED}.
   */
  void incrementRefusedPayloads(long declaredTraces);

  /** A payload's {@code X-Datadog-Trace-Count} disagreed with its body (the body wins) or was not a number. */
  void incrementTraceCountMismatches();

  /** A {@code /v0.6/stats} body was handed on. */
  void incrementStatsPayloads();

  /** Counts nothing. */
  ReceiverMetrics NOOP = new ReceiverMetrics() {
    @Override
    public void incrementRequests() {}

    @Override
    public void requestRefused(Refusal why) {}

    @Override
    public void incrementInfoRequests() {}

    @Override
    public void incrementTracePayloads() {}

    @Override
    public void incrementAcceptedPayloads(long spans) {}

    @Override
    public void incrementRefusedPayloads(long declaredTraces) {}

    @Override
    public void incrementTraceCountMismatches() {}

    @Override
    public void incrementStatsPayloads() {}
  };
}
