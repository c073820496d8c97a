package org.xraybridge.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code bridge.explain.*}: the bounded record behind the explain page and API (docs/explain.md).
 *
 * @param maxTraces most recent traces kept (0 turns the record off; the page then shows none)
 * @param maxBytes estimated heap the kept traces may hold, spans included; one trace takes at most a
 *     quarter of it. The least recently updated trace goes first when either bound is hit.
 * @param maxTracesPerSecond traces that are only a tracer's half recorded a second, so the view costs
 *     next to nothing under load; traces with an X-Ray half, or whose tracer chunk took its decision
 *     from one, are always recorded (0: only those)
 */
@ConfigurationProperties("bridge.explain")
public record ExplainProperties(
    @DefaultValue("500") int maxTraces, @DefaultValue("16MB") DataSize maxBytes, @DefaultValue("50") int maxTracesPerSecond) {

  public ExplainProperties {
    ConfigurationException.require(maxTraces >= 0 && maxTraces <= 100_000,
        "bridge.explain.max-traces must be between 0 (off) and 100000, got " + maxTraces);
    ConfigurationException.require(maxBytes.toBytes() >= DataSize.ofKilobytes(64).toBytes() && maxBytes.toBytes() <= DataSize.ofGigabytes(4).toBytes(),
        "bridge.explain.max-bytes must be between 64KB and 4GB, e.g. 16MB, got " + maxBytes);
    ConfigurationException.require(maxTracesPerSecond >= 0 && maxTracesPerSecond <= 1_000_000,
        "bridge.explain.max-traces-per-second must be between 0 (X-Ray and stitched traces only) and 1000000, got " + maxTracesPerSecond);
  }
}
