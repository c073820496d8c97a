package org.xraybridge.forward.agent;

import static org.xraybridge.forward.agent.MsgpackBuffer.SIZE_OF_DOUBLE;
import static org.xraybridge.forward.agent.MsgpackBuffer.sizeOfMapHeader;

import java.util.List;
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

  /**
   * The array {@code spans} were cut from, when they are all of it in order (a v0.4 span array, header
   * included) and none carries a change: it is then exactly what the writer would write. Else null.
   */
  static byte[] wholeArray(List<Span> spans) {
    if (spans.isEmpty()) return null;
    byte[] a = spans.get(0).bytes().array();
    int at = arrayHeaderEnd(a, spans.size());
    for (int i = 0; i < spans.size(); i++) {
      Span s = spans.get(i);
      SpanBytes b = s.bytes();
      if (!b.present() || b.array() != a || b.offset() != at || !Double.isNaN(patch(s, Priority.NONE))) return null;
      at = b.end();
    }
    return at == a.length ? a : null;
  }

  /** Where the elements of an array of {@code n} that starts {@code a} begin; -1 when {@code a} does not start so. */
  private static int arrayHeaderEnd(byte[] a, int n) {
    if (a.length == 0) return -1;
    int b = a[0] & 0xFF;
    if ((b & 0xF0) == 0x90) return (b & 0x0F) == n ? 1 : -1;
    if (b == 0xDC && a.length >= 3) return (((a[1] & 0xFF) << 8) | (a[2] & 0xFF)) == n ? 3 : -1;
    if (b == 0xDD && a.length >= 5) {
      return (((a[1] & 0xFF) << 24) | ((a[2] & 0xFF) << 16) | ((a[3] & 0xFF) << 8) | (a[4] & 0xFF)) == n ? 5 : -1;
    }
    return -1;
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
