package org.xraybridge.model;

import java.util.List;

/**
 * The other way round from {@link ChunkEncoder}: a v0.4 span array back into spans, read by the
 * receiver's v0.4 decoder so the wire is read in one place. Never throws on bad bytes. Thread-safe.
 */
public interface ChunkDecoder {

  /** The spans, or why the bytes are not one whole, valid span array. */
  Result decode(byte[] array);

  /**
   * As {@link #decode}, every span decoded whole, none keeping its wire bytes: for spans the bridge
   * will change (an X-Ray half, which merge re-keys and stitches).
   */
  default Result decodeWhole(byte[] array) {
    return decode(array);
  }

  /** Decoded spans ({@code error} is {@code ""}), or no spans and why. */
  record Result(List<Span> spans, String error) {
    public Result {
      spans = List.copyOf(spans);
      java.util.Objects.requireNonNull(error, "error == null");
    }

    public static Result of(List<Span> spans) {
      return new Result(spans, "");
    }

    public static Result failed(String error) {
      return new Result(List.of(), error.isEmpty() ? "undecodable" : error);
    }

    public boolean ok() {
      return error.isEmpty();
    }
  }
}
