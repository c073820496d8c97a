package org.xraybridge.forward.agent;

import static org.xraybridge.forward.agent.MsgpackBuffer.SIZE_OF_DOUBLE;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfMapHeader;

import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanBytes;

/**
 * Writes a native span that kept its wire bytes ({@link SpanBytes}): the bytes as the tracer sent
 * them, with metric {@code _sampling_priority_v1} patched in when the bridge decided another value
 * (docs/forward.md, "Bytes through"). That metric is all merge and the writer change in a native
 * span, so the patch is one of three splices: its value replaced, an entry added to the metrics map,
 * or a {@code metrics} key added to the span map. Stateless.
 */
final class RawSpans {

  private static final byte[] METRICS = MsgpackBuffer.constant("metrics");
  private static final byte[] PRIORITY_KEY = MsgpackBuffer.constant(Priority.METRIC);

  private RawSpans() {}

  /**
   * The priority the span must carry when it differs from its bytes, else NaN (nothing to patch).
   * {@code injected} is the chunk's priority for its first span ({@link Priority#NONE} for the others).
   */
  static double patch(Span s, int injected) {
    double wanted;
    if (injected != Priority.NONE) {
      wanted = injected;
    } else {
      Double own = s.metrics().get(Priority.METRIC);
      if (own == null) return Double.NaN;
      wanted = own;
    }
    SpanBytes b = s.bytes();
    return b.priorityAt() >= 0 && wanted == b.priority() ? Double.NaN : wanted;
  }

  /** Exact size of the span written with {@code patch} (NaN: as it is). */
  static int size(SpanBytes b, double patch) {
    if (Double.isNaN(patch)) return b.length();
    if (b.priorityAt() >= 0) return b.length() - (b.priorityEnd() - b.priorityAt()) + SIZE_OF_DOUBLE;
    int entry = PRIORITY_KEY.length + SIZE_OF_DOUBLE;
    if (b.metricsAt() >= 0) {
      return b.length() - headerSize(b.array(), b.metricsAt()) + sizeOfMapHeader(b.metricsCount() + 1) + entry;
    }
    return b.length() - headerSize(b.array(), b.offset()) + sizeOfMapHeader(b.fields() + 1) + METRICS.length
        + sizeOfMapHeader(1) + entry;
  }

  static void write(SpanBytes b, double patch, MsgpackBuffer out) {
    byte[] a = b.array();
    if (Double.isNaN(patch)) {
      out.writeRaw(a, b.offset(), b.length());
    } else if (b.priorityAt() >= 0) {
      out.writeRaw(a, b.offset(), b.priorityAt() - b.offset());
      out.writeDouble(patch);
      out.writeRaw(a, b.priorityEnd(), b.end() - b.priorityEnd());
    } else if (b.metricsAt() >= 0) {
      out.writeRaw(a, b.offset(), b.metricsAt() - b.offset());
      out.writeMapHeader(b.metricsCount() + 1);
      int entries = b.metricsAt() + headerSize(a, b.metricsAt());
      out.writeRaw(a, entries, b.metricsEnd() - entries);
      writeEntry(patch, out);
      out.writeRaw(a, b.metricsEnd(), b.end() - b.metricsEnd());
    } else {
      out.writeMapHeader(b.fields() + 1);
      int fields = b.offset() + headerSize(a, b.offset());
      out.writeRaw(a, fields, b.end() - fields);
      out.writeRaw(METRICS);
      out.writeMapHeader(1);
      writeEntry(patch, out);
    }
  }

  private static void writeEntry(double priority, MsgpackBuffer out) {
    out.writeRaw(PRIORITY_KEY);
    out.writeDouble(priority);
  }

  /** Bytes of the map header (or nil) at {@code i}: fixmap and nil 1, map16 3, map32 5. */
  private static int headerSize(byte[] a, int i) {
    int b = a[i] & 0xFF;
    return b == 0xDE ? 3 : b == 0xDF ? 5 : 1;
  }
}
