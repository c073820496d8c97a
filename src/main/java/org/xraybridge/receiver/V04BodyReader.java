package org.xraybridge.receiver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * The receiver's v0.4 decoder for an Agent-compatible endpoint that is not the receiver (the embedded
 * sink): one decoder for every v0.4 body the bridge reads. Where the receiver keeps the good traces of
 * a damaged body and counts the rest, this reader refuses the whole body, since its sender is our own
 * forward stage and any damage is a bug to show, not traffic to salvage.
 *
 * <p>Not thread-safe: its string cache belongs to one reader.
 */
public final class V04BodyReader {

  private final V04Decoder decoder = new V04Decoder(System::nanoTime);

  /** The traces of {@code body}, in order (empty traces left out); {@link IOException} if any span is damaged. */
  public List<List<Span>> read(byte[] body) throws IOException {
    DecodeResult r = decoder.decode(body, body.length, TracerInfo.UNKNOWN);
    if (r.malformed()) throw new IOException(r.errorText());
    if (r.spansInvalid > 0) throw new IOException(r.spansInvalid + " spans with a zero or foreign id");
    List<List<Span>> out = new ArrayList<>(r.chunks.size());
    for (TraceChunk c : r.chunks) out.add(c.spans());
    return out;
  }
}
