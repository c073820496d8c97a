package org.xraybridge.source.daemon;

import org.xraybridge.model.MetricTag;

/**
 * What became of one datagram the daemon port received; every datagram gets exactly one. Metric tag
 * values ({@code bridge.daemon.datagrams{outcome}}) are the lower-case names.
 *
 * <p>{@code received = accepted + malformed_header + unknown_format + missing_body + oversize +
 * undecodable + overloaded + overloaded_source}. Datagrams the kernel dropped before we could read them (socket buffer
 * full) never reach this count; {@link KernelUdpDrops} reads the kernel's own count for the socket.
 */
public enum DatagramOutcome implements MetricTag {
  /** A valid header and one document, handed to assembly. */
  ACCEPTED,
  /** No {@code \n} after the header, or the header is not a JSON object. */
  MALFORMED_HEADER,
  /** The header is JSON, but {@code format} is not "json" (any case) or {@code version} is not 1. */
  UNKNOWN_FORMAT,
  /** Nothing but whitespace after the header line. */
  MISSING_BODY,
  /** Longer than 64 KiB (the read is cut at 64 KiB + 1 bytes, so a longer datagram shows as such). */
  OVERSIZE,
  /** The body is not one JSON object in UTF-8, or lacks the {@code trace_id} or {@code id} to group it by. */
  UNDECODABLE,
  /** Valid, but the hand-off to assembly was full (the assembler cannot keep up). */
  OVERLOADED,
  /**
   * Valid, but its source address already held half the hand-off: one flooding source cannot take
   * the room the others' datagrams need (docs/xray-source.md, "The daemon input").
   */
  OVERLOADED_SOURCE
}
