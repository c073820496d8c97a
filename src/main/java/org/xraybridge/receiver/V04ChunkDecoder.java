package org.xraybridge.receiver;

import org.xraybridge.model.ChunkDecoder;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * The receiver's v0.4 decoder behind the {@link ChunkDecoder} port: reads the value of a kafka-mode
 * spans record (one trace's span array, docs/cluster.md "The record") with the same rules as a
 * tracer's {@code /v0.4/traces} body. Unlike the receiver it salvages nothing: a record with any
 * damage is refused whole, since its writer is a bridge and the record is skipped and counted.
 * Thread-safe: one decoder (and string cache) per calling thread.
 */
public final class V04ChunkDecoder implements ChunkDecoder {

  /** msgpack fixarray of one element: the span array becomes a payload of one trace. */
  private static final byte ONE_TRACE = (byte) 0x91;

  private final ThreadLocal<V04Decoder> decoders;
  private final ThreadLocal<V04Decoder> whole;

  /** A decoder of whole spans. */
  public V04ChunkDecoder() {
    this(false);
  }

  /** A decoder whose spans keep their bytes when {@code keepBytes} (docs/cluster.md, "The record"). */
  public V04ChunkDecoder(boolean keepBytes) {
    decoders = ThreadLocal.withInitial(() -> new V04Decoder(System::nanoTime, new StringCache(), keepBytes));
    whole = keepBytes ? ThreadLocal.withInitial(() -> new V04Decoder(System::nanoTime)) : decoders;
  }

  @Override
  public Result decodeWhole(byte[] array) {
    return decode(array, whole.get());
  }

  @Override
  public Result decode(byte[] array) {
    return decode(array, decoders.get());
  }

  private static Result decode(byte[] array, V04Decoder decoder) {
    if (array == null || array.length == 0) return Result.failed("empty value");
    byte[] payload = new byte[array.length + 1];
    payload[0] = ONE_TRACE;
    System.arraycopy(array, 0, payload, 1, array.length);
    DecodeResult r = decoder.decodeOwned(payload, TracerInfo.UNKNOWN);
    if (r.malformed()) return Result.failed(r.errorText());
    if (r.spansInvalid > 0) return Result.failed(r.spansInvalid + " spans with a zero or foreign id");
    if (r.chunks.size() != 1) return Result.failed("no span");
    TraceChunk c = r.chunks.get(0);
    if (c.size() != r.spansReceived) return Result.failed((r.spansReceived - c.size()) + " spans did not decode");
    return Result.of(c.spans());
  }
}
