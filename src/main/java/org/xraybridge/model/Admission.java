package org.xraybridge.model;

/** The answer of a bounded hand-off. */
public enum Admission {
  /** Taken: the receiving stage now accounts for it. */
  ACCEPTED,
  /** Not taken because the next stage is full; the caller still owns the data and decides. */
  OVERLOADED
}
