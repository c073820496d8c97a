package org.xraybridge.forward.agent;

import java.util.List;
import org.xraybridge.model.ChunkEncoder;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * The forward stage's v0.4 writer behind the {@link ChunkEncoder} port: the value of a kafka-mode
 * spans record is the span array a v0.4 body would carry for the chunk (docs/cluster.md, "The
 * record"), written by the same code. The chunk's priority travels in a record header, so nothing is
 * added to the spans. A tracer's whole trace whose spans kept their bytes is the array the receiver
 * cut from the request body, shared as it is (it is never changed); other native spans are copied.
 * Thread-safe: a buffer per call.
 */
public final class V04ChunkEncoder implements ChunkEncoder {

  private final V04TraceWriter writer = new V04TraceWriter();

  @Override
  public int sizeOf(Span span) {
    return writer.sizeOfSpan(span);
  }

  @Override
  public byte[] encode(List<Span> spans) {
    byte[] whole = RawSpans.wholeArray(spans);
    if (whole != null) return whole; // the tracer's trace as the receiver cut it: never re-encoded
    TraceChunk chunk = new TraceChunk(0, spans, Priority.NONE, "", "", Half.NATIVE, TracerInfo.UNKNOWN);
    int size = writer.sizeOf(chunk);
    MsgpackBuffer out = new MsgpackBuffer(size, size);
    out.ensureRoom(size);
    writer.write(chunk, out);
    return out.toByteArray(new byte[0], 0);
  }
}
