package org.xraybridge.receiver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Writes test payloads with msgpack-core's packer from plain Java values: {@code String} → str,
 * {@code Integer}/{@code Long} → the smallest int, {@link U64} → uint64 (always the 9-byte form),
 * {@code Double} → float64, {@code byte[]} → bin, {@link Raw} → bytes as they are, {@code Map} →
 * map, {@code List} → array, {@code null} → nil.
 */
final class Msgpack {
  private Msgpack() {}

  /** An unsigned 64-bit integer, always written as uint64 (0xcf) like tracers write random ids. */
  record U64(long value) {}

  /** Bytes written as they are (a hand-made fragment, possibly invalid). */
  record Raw(byte[] bytes) {
    @Override
    public String toString() {
      return "Raw" + Arrays.toString(bytes);
    }
  }

  static byte[] pack(Object value) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      write(p, value);
      p.flush();
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A v0.4 span map with the 12 keys dd-trace-java writes, in its order. */
  static Map<String, Object> span(long traceId, long spanId, long parentId, String name) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("service", "svc");
    s.put("name", name);
    s.put("resource", "res " + name);
    s.put("trace_id", new U64(traceId));
    s.put("span_id", new U64(spanId));
    s.put("parent_id", new U64(parentId));
    s.put("start", 1_795_928_824_354_847_825L);
    s.put("duration", 916_386_279L);
    s.put("type", null);
    s.put("error", 0);
    s.put("metrics", new LinkedHashMap<String, Object>());
    s.put("meta", new LinkedHashMap<String, Object>());
    return s;
  }

  @SafeVarargs
  static List<Object> list(Object... items) {
    return new ArrayList<>(Arrays.asList(items));
  }

  @SuppressWarnings("unchecked")
  private static void write(MessageBufferPacker p, Object v) throws IOException {
    if (v == null) {
      p.packNil();
    } else if (v instanceof String s) {
      p.packString(s);
    } else if (v instanceof Integer i) {
      p.packInt(i);
    } else if (v instanceof Long l) {
      p.packLong(l);
    } else if (v instanceof U64 u) {
      long x = u.value();
      p.writePayload(new byte[] {(byte) 0xcf, (byte) (x >>> 56), (byte) (x >>> 48), (byte) (x >>> 40),
          (byte) (x >>> 32), (byte) (x >>> 24), (byte) (x >>> 16), (byte) (x >>> 8), (byte) x});
    } else if (v instanceof Double d) {
      p.packDouble(d);
    } else if (v instanceof Boolean b) {
      p.packBoolean(b);
    } else if (v instanceof byte[] b) {
      p.packBinaryHeader(b.length);
      p.writePayload(b);
    } else if (v instanceof Raw r) {
      p.writePayload(r.bytes());
    } else if (v instanceof Map<?, ?> m) {
      p.packMapHeader(m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        write(p, e.getKey());
        write(p, e.getValue());
      }
    } else if (v instanceof List<?> l) {
      p.packArrayHeader(l.size());
      for (Object o : l) write(p, o);
    } else {
      throw new IllegalArgumentException("cannot pack " + v.getClass());
    }
  }
}
