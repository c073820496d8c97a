package org.xraybridge.model;

/**
 * Where the receiver hands a tracer's {@code /v0.6/stats} body (msgpack {@code ClientStatsPayload},
 * passed on as is; implemented by the forward stage). Every body offered has been checked to be
 * exactly one whole msgpack map (the receiver answers anything else 400), so implementations need
 * not check it again. Non-blocking; {@link Admission#OVERLOADED} when it cannot take more.
 */
@FunctionalInterface
public interface ClientStatsSink {
  Admission offer(byte[] clientStatsPayload, TracerInfo tracer);
}
