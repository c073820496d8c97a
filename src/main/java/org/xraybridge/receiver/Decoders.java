package org.xraybridge.receiver;

import java.util.function.LongSupplier;
import org.xraybridge.model.TracerInfo;

/**
 * The decoders one thread uses, with their string caches. Held per thread (event loops for small
 * bodies, decode threads for large ones), so no decoder state is ever shared.
 */
final class Decoders {

  /** Which wire format a body is in. */
  enum Codec {
    MSGPACK_V04,
    MSGPACK_V05,
    JSON,
    /**
     * No or an unknown media type (the Agent tries JSON, then msgpack): the first byte that is not
     * JSON whitespace tells them apart without a second parse, since a JSON body starts with
     * {@code [} or <code>{</code> and a msgpack array of traces never does.
     */
    SNIFF
  }

  private final V04Decoder v04;
  private final V05Decoder v05;
  private final JsonTraceDecoder json;

  Decoders(LongSupplier nowNanos) {
    this(nowNanos, false);
  }

  /** Decoders whose v0.4 spans keep their bytes when {@code keepBytes} (docs/receiver.md, "Bytes through"). */
  Decoders(LongSupplier nowNanos, boolean keepBytes) {
    StringCache strings = new StringCache();
    v04 = new V04Decoder(nowNanos, strings, keepBytes);
    v05 = new V05Decoder(nowNanos, strings);
    json = new JsonTraceDecoder(nowNanos);
  }

  DecodeResult decode(Codec codec, byte[] body, int length, TracerInfo tracer) {
    return switch (codec) {
      case MSGPACK_V04 -> v04.decode(body, length, tracer);
      case MSGPACK_V05 -> v05.decode(body, length, tracer);
      case JSON -> json.decode(body, length, tracer);
      case SNIFF -> looksLikeJson(body, length) ? json.decode(body, length, tracer) : v04.decode(body, length, tracer);
    };
  }

  static boolean looksLikeJson(byte[] body, int length) {
    for (int i = 0; i < length; i++) {
      byte b = body[i];
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r') continue;
      return b == '[' || b == '{';
    }
    return false;
  }
}
