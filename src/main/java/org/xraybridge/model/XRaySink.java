package org.xraybridge.model;

/**
 * Where sources hand converted X-Ray traces (implemented by the merge stage). Thread-safe,
 * non-blocking: {@link Admission#OVERLOADED} means "nothing was taken, try later" — a poller then
 * holds its cursor instead of buffering.
 */
@FunctionalInterface
public interface XRaySink {
  Admission offer(ConvertedTrace trace);
}
