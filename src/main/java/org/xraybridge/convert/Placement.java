package org.xraybridge.convert;

/**
 * What the tree walk decided about one (sub)segment before {@link SpanMapper} names and tags its
 * span: its ids and repaired times (docs/conversion.md §1–§2), its service (§4) and version (§5).
 *
 * @param name the raw {@code name} with control characters replaced
 * @param isSegment a top-level segment, named by the segment rows of §4
 */
record Placement(
    String name,
    boolean isSegment,
    long spanId,
    long parentId,
    long startNanos,
    long durationNanos,
    String service,
    String version) {}
