package org.xraybridge.model;

/**
 * Where the receiver hands a tracer's {@code /v0.6/stats} body (msgpack {@code ClientStatsPayload},
 * passed on as is; implemented by the forward stage). Non-blocking; {@link Admission#OVERLOADED}
 * when it cannot take more.
 */
@FunctionalInterface
public interface ClientStatsSink {
  Admission offer(byte[] clientStatsPayload, TracerInfo tracer);
}
