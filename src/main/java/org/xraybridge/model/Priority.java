package org.xraybridge.model;

/**
 * Datadog sampling priorities ({@code _sampling_priority_v1}, the chunk priority of the intake).
 * Values as dd-trace's {@code PrioritySampling}; {@link #NONE} is the Agent's "PriorityNone".
 */
public final class Priority {
  public static final int USER_REJECT = -1;
  public static final int AUTO_REJECT = 0;
  public static final int AUTO_KEEP = 1;
  public static final int USER_KEEP = 2;
  /** No priority was given (the Agent's i8::MIN). */
  public static final int NONE = -128;

  /** The metric key tracers write the priority under, on the chunk's root span. */
  public static final String METRIC = "_sampling_priority_v1";

  private Priority() {}
}
