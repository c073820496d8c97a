package org.xraybridge.model;

/**
 * A native span's own v0.4 msgpack map, kept as the tracer sent it (docs/receiver.md, "Bytes
 * through"): {@code length} bytes of {@code array} at {@code offset}, where {@code array} holds the
 * whole chunk (one copy per chunk, cut from the request body). The writers copy these bytes instead
 * of encoding the span again; the few places the bridge may change are located here so a writer can
 * patch them without reading the map again.
 *
 * <p>Positions are indices into {@code array}: {@code fields} entries in the span map;
 * {@code metricsAt}..{@code metricsEnd} the value of its {@code metrics} key (a map of
 * {@code metricsCount} entries, or nil), {@code metricsAt = -1} when the span has none;
 * {@code priorityAt}..{@code priorityEnd} the value of metric {@code _sampling_priority_v1} and
 * {@code priority} that value, {@code priorityAt = -1} when absent. {@link #NONE} marks a span the
 * bridge built (or had to repair), which the writers encode from its fields. The array is never
 * changed after the receiver made it.
 */
public record SpanBytes(
    byte[] array, int offset, int length, int fields,
    int metricsAt, int metricsEnd, int metricsCount,
    int priorityAt, int priorityEnd, double priority) {

  public static final SpanBytes NONE = new SpanBytes(new byte[0], 0, 0, 0, -1, -1, 0, -1, -1, 0);

  public SpanBytes {
    java.util.Objects.requireNonNull(array, "array == null");
    if (offset < 0 || length < 0 || offset + length > array.length) throw new IllegalArgumentException("range outside the array");
  }

  /** Whether the span travels as these bytes. */
  public boolean present() {
    return length > 0;
  }

  /** The span's end in {@link #array}. */
  public int end() {
    return offset + length;
  }
}
