package org.xraybridge.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One Datadog span, as the v0.4 wire and the intake protobuf carry it.
 *
 * <p>Ids are the raw 64 bits of the wire: {@code traceId} is the low 64 bits of the trace id (the
 * high 64 bits travel as meta {@code _dd.p.tid} on the first span of a chunk), {@code spanId} and
 * {@code parentId} are unsigned; {@code parentId == 0} means "root". Times are nanoseconds:
 * {@code startNanos} since the epoch, {@code durationNanos} never negative. Absent text is {@code ""},
 * absent maps and lists are empty; nothing here is ever null.
 *
 * <p>Maps are immutable. {@code metaStruct} values are opaque msgpack blobs that are passed through.
 *
 * <p>A native v0.4 span also carries its own wire bytes ({@link SpanBytes}, else {@link
 * SpanBytes#NONE}); its {@code meta} and {@code metrics} then hold only the tags the bridge reads
 * (docs/receiver.md, "Bytes through"), and the only change it takes is to its metrics: the writers
 * write its {@code metrics} over those in the bytes. Merge sets only {@code _sampling_priority_v1},
 * the one metric the Agent writer patches; the intake writer also takes the error rescue's rate.
 */
public record Span(
    long traceId,
    long spanId,
    long parentId,
    long startNanos,
    long durationNanos,
    int error,
    String service,
    String name,
    String resource,
    String type,
    Map<String, String> meta,
    Map<String, Double> metrics,
    Map<String, byte[]> metaStruct,
    List<SpanLink> spanLinks,
    SpanBytes bytes) {

  /** A span the bridge encodes from its fields. */
  public Span(long traceId, long spanId, long parentId, long startNanos, long durationNanos, int error,
      String service, String name, String resource, String type, Map<String, String> meta,
      Map<String, Double> metrics, Map<String, byte[]> metaStruct, List<SpanLink> spanLinks) {
    this(traceId, spanId, parentId, startNanos, durationNanos, error, service, name, resource, type, meta, metrics,
        metaStruct, spanLinks, SpanBytes.NONE);
  }

  public Span {
    Objects.requireNonNull(bytes, "bytes == null");
    Objects.requireNonNull(service, "service == null");
    Objects.requireNonNull(name, "name == null");
    Objects.requireNonNull(resource, "resource == null");
    Objects.requireNonNull(type, "type == null");
    // FlatMap.copyOf and List.copyOf return their argument unchanged when it is already immutable,
    // so the builder's maps are never copied twice.
    meta = FlatMap.copyOf(meta);
    metrics = FlatMap.copyOf(metrics);
    metaStruct = metaStruct.isEmpty() ? Map.of() : Map.copyOf(metaStruct);
    spanLinks = List.copyOf(spanLinks);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The meta value for {@code key}, or {@code ""}. */
  public String meta(String key) {
    String v = meta.get(key);
    return v == null ? "" : v;
  }

  /** Mutable builder; not thread-safe. */
  public static final class Builder {
    private long traceId;
    private long spanId;
    private long parentId;
    private long startNanos;
    private long durationNanos;
    private int error;
    private String service = "";
    private String name = "";
    private String resource = "";
    private String type = "";
    private FlatMap.Builder<String> meta;
    private FlatMap.Builder<Double> metrics;
    private Map<String, String> frozenMeta = FlatMap.empty();
    private Map<String, Double> frozenMetrics = FlatMap.empty();
    private java.util.HashMap<String, byte[]> metaStruct;
    private java.util.ArrayList<SpanLink> spanLinks;
    private Map<String, byte[]> frozenMetaStruct = Map.of();
    private List<SpanLink> frozenLinks = List.of();
    private SpanBytes bytes = SpanBytes.NONE;

    Builder() {}

    Builder(Span s) {
      traceId = s.traceId;
      spanId = s.spanId;
      parentId = s.parentId;
      startNanos = s.startNanos;
      durationNanos = s.durationNanos;
      error = s.error;
      service = s.service;
      name = s.name;
      resource = s.resource;
      type = s.type;
      frozenMeta = s.meta;
      frozenMetrics = s.metrics;
      frozenMetaStruct = s.metaStruct;
      frozenLinks = s.spanLinks;
      bytes = s.bytes;
    }

    public Builder traceId(long v) { fields(); traceId = v; return this; }
    public Builder spanId(long v) { fields(); spanId = v; return this; }
    public Builder parentId(long v) { fields(); parentId = v; return this; }
    public Builder startNanos(long v) { fields(); startNanos = v; return this; }
    public Builder durationNanos(long v) { fields(); durationNanos = v; return this; }
    public Builder error(int v) { fields(); error = v; return this; }
    public Builder service(String v) { fields(); service = Objects.requireNonNull(v, "service"); return this; }
    public Builder name(String v) { fields(); name = Objects.requireNonNull(v, "name"); return this; }
    public Builder resource(String v) { fields(); resource = Objects.requireNonNull(v, "resource"); return this; }
    public Builder type(String v) { fields(); type = Objects.requireNonNull(v, "type"); return this; }

    public long traceId() { return traceId; }
    public long spanId() { return spanId; }
    public long parentId() { return parentId; }
    public String service() { return service; }

    public Builder putMeta(String key, String value) {
      fields();
      mutableMeta().put(key, value);
      return this;
    }

    public String meta(String key) {
      String v = meta != null ? meta.get(key) : frozenMeta.get(key);
      return v == null ? "" : v;
    }

    public Builder putMetric(String key, double value) {
      mutableMetrics().put(key, value);
      return this;
    }

    public Double metric(String key) {
      return metrics != null ? metrics.get(key) : frozenMetrics.get(key);
    }

    public Builder putMetaStruct(String key, byte[] value) {
      fields();
      if (metaStruct == null) metaStruct = new java.util.HashMap<>(frozenMetaStruct);
      metaStruct.put(key, value);
      return this;
    }

    public Builder addSpanLink(SpanLink link) {
      fields();
      if (spanLinks == null) spanLinks = new java.util.ArrayList<>(frozenLinks);
      spanLinks.add(link);
      return this;
    }

    /** Replaces all meta at once (the decoder's path: one immutable map, no copy). */
    public Builder meta(Map<String, String> all) {
      fields();
      meta = null;
      frozenMeta = FlatMap.copyOf(all);
      return this;
    }

    public Builder metrics(Map<String, Double> all) {
      fields();
      metrics = null;
      frozenMetrics = FlatMap.copyOf(all);
      return this;
    }

    public Builder metaStruct(Map<String, byte[]> all) {
      fields();
      metaStruct = null;
      frozenMetaStruct = Map.copyOf(all);
      return this;
    }

    public Builder spanLinks(List<SpanLink> all) {
      fields();
      spanLinks = null;
      frozenLinks = List.copyOf(all);
      return this;
    }

    /**
     * A change the span's wire bytes would not show: refused, since the writers would send the bytes
     * and lose it. Only metrics are written over them (docs/forward.md).
     */
    private void fields() {
      if (bytes.present()) throw new IllegalStateException("a native span travels as its bytes: only its metrics may change");
    }

    private FlatMap.Builder<String> mutableMeta() {
      // a converted span has 10–20 tags: start big enough not to grow twice
      if (meta == null) meta = frozenMeta.isEmpty() ? new FlatMap.Builder<>(16) : FlatMap.Builder.from(frozenMeta);
      return meta;
    }

    private FlatMap.Builder<Double> mutableMetrics() {
      if (metrics == null) metrics = FlatMap.Builder.from(frozenMetrics);
      return metrics;
    }

    public Span build() {
      return new Span(
          traceId,
          spanId,
          parentId,
          startNanos,
          durationNanos,
          error,
          service,
          name,
          resource,
          type,
          meta != null ? meta.build() : frozenMeta,
          metrics != null ? metrics.build() : frozenMetrics,
          metaStruct != null ? Map.copyOf(metaStruct) : frozenMetaStruct,
          spanLinks != null ? List.copyOf(spanLinks) : frozenLinks,
          bytes);
    }
  }
}
