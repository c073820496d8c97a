package org.xraybridge.model;

import java.util.Objects;

/**
 * What a payload's producer said about itself (the {@code Datadog-Meta-*} headers of a tracer, or
 * this bridge for converted X-Ray spans). Carried per chunk so a forwarder can group chunks into
 * intake {@code TracerPayload}s and name the languages it reports.
 */
public record TracerInfo(String language, String languageVersion, String tracerVersion, String containerId) {

  /** Spans this bridge made from X-Ray segments. */
  public static final TracerInfo XRAY = new TracerInfo("xray", "", "", "");
  /** A payload that named no producer. */
  public static final TracerInfo UNKNOWN = new TracerInfo("", "", "", "");

  public TracerInfo {
    Objects.requireNonNull(language, "language == null");
    Objects.requireNonNull(languageVersion, "languageVersion == null");
    Objects.requireNonNull(tracerVersion, "tracerVersion == null");
    Objects.requireNonNull(containerId, "containerId == null");
  }
}
