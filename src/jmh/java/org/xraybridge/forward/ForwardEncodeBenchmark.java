package org.xraybridge.forward;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.xraybridge.forward.agent.MsgpackBuffer;
import org.xraybridge.forward.agent.V04TraceWriter;
import org.xraybridge.forward.delivery.Payload;
import org.xraybridge.forward.delivery.PayloadKind;
import org.xraybridge.forward.intake.IntakeTraceWriter;
import org.xraybridge.forward.intake.ProtoBuffer;
import org.xraybridge.forward.intake.TopLevel;
import org.xraybridge.forward.intake.proto.AgentPayload;
import org.xraybridge.forward.intake.proto.TracerPayload;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * Encoding a 1,000-span batch (100 traces × 10 spans, 8 meta tags and 3 metrics each) for the next
 * hop, against baselines run in the same JVM:
 *
 * <ul>
 *   <li>{@code v04Writer} — our size-first v0.4 writer, vs {@code v04MsgpackCore}: msgpack-core's
 *       {@code MessagePacker} writing the same values (same keys, maps and order) into a reused
 *       stream, with no sizing.
 *   <li>{@code intakeProtobufGzip} — top-level marking, our protobuf writer and gzip (the whole
 *       intake path), vs {@code intakeGzipOnly}: gzip of the very bytes we produce, so the ratio is
 *       what encoding adds on top of compression; and {@code intakeGeneratedBuilders}: the same
 *       payload through protobuf-java's generated builders, uncompressed (the design alternative),
 *       to compare with {@code intakeProtobuf}: our writer, uncompressed.
 * </ul>
 *
 * Allocation per operation comes from {@code -prof gc} ({@code gc.alloc.rate.norm}); divide by 1,000
 * for bytes per span. Run with {@code bench/forward-encode.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ForwardEncodeBenchmark {
  static final int TRACES = 100;
  static final int SPANS_PER_TRACE = 10;

  private static final String[] KEYS = {"service", "name", "resource", "trace_id", "span_id", "parent_id", "start",
      "duration", "error", "type", "meta", "metrics"};

  List<TraceChunk> chunks;
  final V04TraceWriter v04 = new V04TraceWriter();
  final MsgpackBuffer msgpack = new MsgpackBuffer(64 * 1024, 64 * 1024 * 1024, 64 * 1024 * 1024);
  final ReusableStream stream = new ReusableStream();
  MessagePacker packer;
  final IntakeTraceWriter intake = new IntakeTraceWriter();
  final TopLevel topLevel = new TopLevel();
  final ProtoBuffer proto = new ProtoBuffer(64 * 1024, 64 * 1024 * 1024, 64 * 1024 * 1024);
  byte[] protobufBytes;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    SplittableRandom r = new SplittableRandom(2026);
    chunks = new ArrayList<>(TRACES);
    for (int t = 0; t < TRACES; t++) {
      long traceId = r.nextLong() & Long.MAX_VALUE;
      long root = r.nextLong() & Long.MAX_VALUE;
      List<Span> spans = new ArrayList<>(SPANS_PER_TRACE);
      for (int i = 0; i < SPANS_PER_TRACE; i++) {
        boolean isRoot = i == 0;
        spans.add(Span.builder()
            .traceId(traceId)
            .spanId(isRoot ? root : r.nextLong() & Long.MAX_VALUE)
            .parentId(isRoot ? 0 : root)
            .startNanos(1_790_000_000_000_000_000L + r.nextLong(1_000_000_000_000L))
            .durationNanos(r.nextLong(1_000, 2_000_000_000L))
            .error(r.nextInt(20) == 0 ? 1 : 0)
            .service(isRoot ? "checkout-api" : i % 3 == 0 ? "orders-db" : "checkout-api")
            .name(isRoot ? "aws.lambda" : "aws.dynamodb.query")
            .resource(isRoot ? "GET /cart/{id}" : "Query orders-" + (i % 4))
            .type(isRoot ? "serverless" : "db")
            .putMeta("env", "prod")
            .putMeta("version", "1.42.0")
            .putMeta("span.kind", isRoot ? "server" : "client")
            .putMeta("aws.region", "eu-west-1")
            .putMeta("aws.operation", "Query")
            .putMeta("http.status_code", "200")
            .putMeta("_dd.p.tid", "6842a1b000000000")
            .putMeta("xray.segment.id", Long.toHexString(r.nextLong()))
            .putMetric("_dd.measured", 1)
            .putMetric("aws.retries", 0)
            .putMetric("db.row_count", r.nextInt(500))
            .build());
      }
      chunks.add(new TraceChunk(traceId, spans, Priority.USER_KEEP, "", "prod", Half.XRAY_POLL, TracerInfo.XRAY));
    }
    packer = MessagePack.newDefaultPacker(stream);
    protobufBytes = intakeProtobuf0();
  }

  @Benchmark
  public int v04Writer() {
    msgpack.reset();
    for (int i = 0; i < chunks.size(); i++) {
      TraceChunk c = chunks.get(i);
      msgpack.ensureRoom(v04.sizeOf(c));
      v04.write(c, msgpack);
    }
    return msgpack.size();
  }

  @Benchmark
  public int v04MsgpackCore() throws IOException {
    stream.reset();
    MessagePacker p = packer;
    for (int t = 0; t < chunks.size(); t++) {
      List<Span> spans = chunks.get(t).spans();
      p.packArrayHeader(spans.size());
      for (int i = 0; i < spans.size(); i++) {
        Span s = spans.get(i);
        p.packMapHeader(12);
        p.packString(KEYS[0]).packString(s.service());
        p.packString(KEYS[1]).packString(s.name());
        p.packString(KEYS[2]).packString(s.resource());
        p.packString(KEYS[3]).packLong(s.traceId());
        p.packString(KEYS[4]).packLong(s.spanId());
        p.packString(KEYS[5]).packLong(s.parentId());
        p.packString(KEYS[6]).packLong(s.startNanos());
        p.packString(KEYS[7]).packLong(s.durationNanos());
        p.packString(KEYS[8]).packInt(s.error());
        p.packString(KEYS[9]).packString(s.type());
        p.packString(KEYS[10]).packMapHeader(s.meta().size());
        for (Map.Entry<String, String> e : s.meta().entrySet()) p.packString(e.getKey()).packString(e.getValue());
        p.packString(KEYS[11]).packMapHeader(s.metrics().size());
        for (Map.Entry<String, Double> e : s.metrics().entrySet()) p.packString(e.getKey()).packDouble(e.getValue());
      }
    }
    p.flush();
    return stream.size();
  }

  @Benchmark
  public byte[] intakeProtobufGzip() {
    return new Payload(PayloadKind.INTAKE_TRACES, intakeProtobuf0(), false, Map.of(), TRACES, new long[0])
        .forWire().body();
  }

  @Benchmark
  public byte[] intakeProtobuf() {
    return intakeProtobuf0();
  }

  @Benchmark
  public byte[] intakeGzipOnly() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, protobufBytes.length / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      gz.write(protobufBytes);
    }
    return out.toByteArray();
  }

  @Benchmark
  public byte[] intakeGeneratedBuilders() {
    TracerPayload.Builder tp = TracerPayload.newBuilder().setLanguageName("xray").setEnv("prod").setHostname("bench");
    for (int t = 0; t < chunks.size(); t++) {
      TraceChunk c = chunks.get(t);
      boolean[] top = topLevel.compute(c.spans());
      org.xraybridge.forward.intake.proto.TraceChunk.Builder cb =
          org.xraybridge.forward.intake.proto.TraceChunk.newBuilder().setPriority(c.priority());
      for (int i = 0; i < c.spans().size(); i++) {
        Span s = c.spans().get(i);
        org.xraybridge.forward.intake.proto.Span.Builder sb = org.xraybridge.forward.intake.proto.Span.newBuilder()
            .setService(s.service()).setName(s.name()).setResource(s.resource()).setTraceId(s.traceId())
            .setSpanId(s.spanId()).setParentId(s.parentId()).setStart(s.startNanos()).setDuration(s.durationNanos())
            .setError(s.error()).setType(s.type()).putAllMeta(s.meta()).putAllMetrics(s.metrics());
        if (top[i]) sb.putMetrics(TopLevel.METRIC, 1);
        cb.addSpans(sb);
      }
      tp.addChunks(cb);
    }
    return AgentPayload.newBuilder().setHostName("bench").setEnv("prod").addTracerPayloads(tp)
        .setAgentVersion("bench").setTargetTps(10).setErrorTps(10).build().toByteArray();
  }

  private byte[] intakeProtobuf0() {
    proto.reset();
    for (int t = 0; t < chunks.size(); t++) {
      TraceChunk c = chunks.get(t);
      boolean[] top = topLevel.compute(c.spans());
      intake.sizeOfChunkEntry(c, c.priority(), top);
      intake.writeChunkEntry(c, c.priority(), top, proto);
    }
    return IntakeTraceWriter.agentPayload("bench", "prod", "bench",
        List.of(new IntakeTraceWriter.Group(TracerInfo.XRAY, "prod", proto)));
  }

  /** A byte stream whose reset keeps its array, so the baseline allocates only what msgpack-core does. */
  static final class ReusableStream extends ByteArrayOutputStream {
    ReusableStream() {
      super(1 << 20);
    }
  }
}
