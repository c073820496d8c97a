package org.xraybridge.model;

import java.util.Objects;

/**
 * What a payload's producer said about itself (the {@code Datadog-Meta-*} headers of a tracer, or
 * this bridge for converted X-Ray spans). Carried per chunk so a forwarder can group chunks into
 * intake {@code TracerPayload}s and name the languages it reports.
 *
 * <p>{@code clientComputedStats}: the tracer sent {@code Datadog-Client-Computed-Stats}, so it posts
 * its own stats on {@code /v0.6/stats}; in intake mode its spans must not be counted a second time.
 */
public record TracerInfo(String language, String languageVersion, String tracerVersion, String containerId, boolean clientComputedStats) {

  /** Spans this bridge made from X-Ray segments. */
  public static final TracerInfo XRAY = new TracerInfo("xray", "", "", "");
  /** A payload that named no producer. */
  public static final TracerInfo UNKNOWN = new TracerInfo("", "", "", "");

  /** A producer that leaves stats to whoever receives its spans (every tracer's default). */
  public TracerInfo(String language, String languageVersion, String tracerVersion, String containerId) {
    this(language, languageVersion, tracerVersion, containerId, false);
  }

  public TracerInfo {
    Objects.requireNonNull(language, "language == null");
    Objects.requireNonNull(languageVersion, "languageVersion == null");
    Objects.requireNonNull(tracerVersion, "tracerVersion == null");
    Objects.requireNonNull(containerId, "containerId == null");
  }
}
