package org.xraybridge.source.xray;

/**
 * One log event of {@code aws/spans} as the logs path handles it.
 *
 * @param eventId CloudWatch Logs' id of the event
 * @param timestamp the event's time, epoch milliseconds (what FilterLogEvents' window selects on)
 * @param message the span record
 * @param ids its trace and span id, read by {@link EventScan}
 */
record LogEvent(String eventId, long timestamp, String message, EventScan.Ids ids) {}
