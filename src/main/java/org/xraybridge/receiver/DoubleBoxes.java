package org.xraybridge.receiver;

/**
 * Boxes metric values, sharing the box of the last value of the same bits in a small direct-mapped
 * table. Most metrics repeat across the spans of a payload (0 and 1 flags, sampling rates, ports,
 * thread and process ids), so a shared box is one allocation less per tag; {@code Double}s are
 * immutable, so sharing them is invisible. Keyed by the raw bits: -0.0 and NaN payloads stay as
 * sent. Not thread-safe: one per decoder.
 */
final class DoubleBoxes {

  private static final int SLOTS = 256; // power of two

  private final Double[] boxes = new Double[SLOTS];

  Double box(double d) {
    long bits = Double.doubleToRawLongBits(d);
    int slot = (int) (((bits ^ (bits >>> 32)) * 0x9E3779B97F4A7C15L) >>> 56) & (SLOTS - 1);
    Double cached = boxes[slot];
    if (cached != null && Double.doubleToRawLongBits(cached) == bits) return cached;
    Double box = d;
    boxes[slot] = box;
    return box;
  }
}
