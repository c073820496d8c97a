package org.xraybridge.forward.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * One request body ready for the next hop, with what it carries: its spans (count and ids, so the
 * ledger and tests can account for every span) and the headers that describe it. The API key is
 * never among the headers: the transport adds it when sending, so a spooled payload holds no secret.
 *
 * <p>Immutable, except that nobody may modify {@code body} or {@code spanIds} after construction.
 */
public final class Payload {
  private final PayloadKind kind;
  private final byte[] body;
  private final boolean gzipped;
  private final Map<String, String> headers;
  private final int traceCount;
  private final long[] spanIds;
  private final Receipts receipts;

  public Payload(
      PayloadKind kind, byte[] body, boolean gzipped, Map<String, String> headers, int traceCount, long[] spanIds) {
    this(kind, body, gzipped, headers, traceCount, spanIds, Receipts.NONE);
  }

  /** … whose spans are reported to {@code receipts} when the payload reaches its outcome (kafka mode). */
  public Payload(
      PayloadKind kind, byte[] body, boolean gzipped, Map<String, String> headers, int traceCount, long[] spanIds,
      Receipts receipts) {
    this.receipts = Objects.requireNonNull(receipts, "receipts == null");
    this.kind = Objects.requireNonNull(kind, "kind == null");
    this.body = Objects.requireNonNull(body, "body == null");
    this.gzipped = gzipped;
    this.headers = Map.copyOf(headers);
    this.traceCount = traceCount;
    this.spanIds = Objects.requireNonNull(spanIds, "spanIds == null");
  }

  public PayloadKind kind() {
    return kind;
  }

  public byte[] body() {
    return body;
  }

  public boolean gzipped() {
    return gzipped;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public int traceCount() {
    return traceCount;
  }

  public int spanCount() {
    return spanIds.length;
  }

  /** The span ids the payload carries (do not modify). */
  public long[] spanIds() {
    return spanIds;
  }

  /** Who waits for the outcome of this payload's spans ({@link Receipts#NONE}: nobody; never spooled). */
  public Receipts receipts() {
    return receipts;
  }

  /** Intake payloads travel gzip'd; this is the wire form (compressing at most once). */
  public Payload forWire() {
    if (!kind.intake() || gzipped) return this;
    return new Payload(kind, gzip(body), true, headers, traceCount, spanIds, receipts);
  }

  /** gzip at best speed, as the Agent's trace writer does. */
  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length / 4));
    try (GZIPOutputStream gz = new FastGzip(out)) {
      gz.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return kind + "[" + body.length + " bytes, " + traceCount + " traces, " + spanIds.length + " spans]";
  }

  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(ByteArrayOutputStream out) throws IOException {
      super(out, 64 * 1024);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
