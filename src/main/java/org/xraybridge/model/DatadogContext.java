package org.xraybridge.model;

import java.util.Map;

/**
 * What a {@code datadog-metadata} subsegment said (written by Datadog's Lambda libraries,
 * docs/stitching.md rule 2): the Datadog trace the X-Ray trace belongs to, the span to hang the X-Ray root under, the
 * sampling priority, and trigger tags for the function span. {@link #NONE} when absent.
 *
 * @param traceId Datadog trace id (0 when absent)
 * @param parentId Datadog span id to parent the X-Ray root segment under (0 when absent)
 * @param samplingPriority {@link Priority#NONE} when absent
 * @param functionTags {@code lambda_function_tags}, copied onto the function segment's span
 * @param functionSpanId span id of the segment the subsegment's {@code parent_id} named (0 when unknown)
 */
public record DatadogContext(
    long traceId, long parentId, int samplingPriority, Map<String, String> functionTags, long functionSpanId) {

  public static final DatadogContext NONE = new DatadogContext(0, 0, Priority.NONE, Map.of(), 0);

  public DatadogContext {
    functionTags = Map.copyOf(functionTags);
  }

  public boolean present() {
    return traceId != 0;
  }
}
