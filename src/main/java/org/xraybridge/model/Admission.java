package org.xraybridge.model;

/** The answer of a bounded hand-off. */
public enum Admission {
  /** Taken: the receiving stage now accounts for it (kept, or dropped with a counted reason). */
  ACCEPTED,
  /** Not taken because the next stage is full; the caller still owns the data and decides. */
  OVERLOADED,
  /**
   * Taken, but some or all of it could not be kept durably in time (kafka mode: the spans topic did
   * not acknowledge within {@code bridge.cluster.kafka.produce-timeout}). The receiving stage counted
   * what it lost; the caller counts nothing more and answers as to an overload (docs/cluster.md).
   */
  SHED
}
