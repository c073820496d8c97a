package org.xraybridge.demo;

import java.util.List;
import java.util.Objects;
import org.xraybridge.demo.EmulatorStore.Unprocessed;

/**
 * An emulated account with CloudWatch Transaction Search on: segments sent to it are kept by X-Ray
 * (for GetTraceSummaries and trace retrieval; BatchGetTraces no longer finds them — the emulator's
 * {@link Faults#segmentDestination} says CloudWatch Logs) and written as span records to the log group
 * {@value #SPANS} ({@link SegmentSpans}), which FilterLogEvents reads. Thread-safe.
 */
public final class TransactionSearchAccount {

  /** The log group X-Ray writes spans to. */
  public static final String SPANS = "aws/spans";

  private final EmulatorStore store;
  private final SpanLogStore logs;
  private final SegmentSpans spans = new SegmentSpans();

  public TransactionSearchAccount(EmulatorStore store, SpanLogStore logs) {
    this.store = Objects.requireNonNull(store, "store == null");
    this.logs = Objects.requireNonNull(logs, "logs == null");
    logs.createGroup(SPANS);
  }

  /** Takes segment documents as PutTraceSegments would; returns the ones refused. */
  public List<Unprocessed> put(List<String> documents) {
    List<Unprocessed> refused = store.put(documents);
    for (String d : documents) logs.putRecords(SPANS, spans.records(d));
    return refused;
  }
}
