package org.xraybridge.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.xraybridge.merge.TraceIndex;

/**
 * {@code bridge.merge.*}: the trace index and the batches handed to the forward stage.
 *
 * @param indexTtl how long a trace's decision is remembered after its last write (≥ X-Ray's 2–5 min delay)
 * @param indexMaxTraces bound of the index (≈61 B of heap per trace, ≈121 MB at the 2,000,000 default);
 *     size it to traces/s × X-Ray's delay for full joins — past it the oldest decisions are forgotten and counted
 * @param flushInterval how long spans wait in the merge batch at most
 * @param maxBatchSpans spans that make the batch flush at once
 * @param maxSentSpans X-Ray spans remembered as sent, against duplicates
 */
@ConfigurationProperties("bridge.merge")
public record MergeProperties(
    @DefaultValue("30m") Duration indexTtl,
    @DefaultValue("2000000") long indexMaxTraces,
    @DefaultValue("1s") Duration flushInterval,
    @DefaultValue("5000") int maxBatchSpans,
    @DefaultValue("1000000") long maxSentSpans) {

  public MergeProperties {
    ConfigurationException.require(indexTtl.compareTo(Duration.ofMinutes(1)) >= 0,
        "bridge.merge.index-ttl must be at least 1m (X-Ray halves arrive 2–5 min late; 30m is the default), got " + indexTtl);
    ConfigurationException.require(indexTtl.compareTo(TraceIndex.MAX_TTL) <= 0,
        "bridge.merge.index-ttl must be at most " + TraceIndex.MAX_TTL + " (the index packs write times in 42 bits of ms), got " + indexTtl);
    ConfigurationException.require(indexMaxTraces >= 1_000 && indexMaxTraces <= TraceIndex.MAX_TRACES,
        "bridge.merge.index-max-traces must be between 1000 and " + TraceIndex.MAX_TRACES + ", got " + indexMaxTraces);
    ConfigurationException.require(!flushInterval.isNegative() && flushInterval.compareTo(Duration.ofMillis(10)) >= 0
        && flushInterval.compareTo(Duration.ofMinutes(1)) <= 0,
        "bridge.merge.flush-interval must be between 10ms and 1m, got " + flushInterval);
    ConfigurationException.require(maxBatchSpans >= 1 && maxBatchSpans <= 1_000_000,
        "bridge.merge.max-batch-spans must be between 1 and 1000000, got " + maxBatchSpans);
    ConfigurationException.require(maxSentSpans >= 1_000, "bridge.merge.max-sent-spans must be at least 1000, got " + maxSentSpans);
  }
}
