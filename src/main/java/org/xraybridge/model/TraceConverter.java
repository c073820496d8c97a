package org.xraybridge.model;

/** Segment documents of one trace → Datadog spans (implemented by {@code convert}). Never throws on bad data. */
@FunctionalInterface
public interface TraceConverter {
  ConvertedTrace convert(XRayDocuments documents);
}
