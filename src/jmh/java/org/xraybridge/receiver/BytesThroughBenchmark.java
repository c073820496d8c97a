package org.xraybridge.receiver;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.xraybridge.forward.agent.MsgpackBuffer;
import org.xraybridge.forward.agent.V04TraceWriter;
import org.xraybridge.forward.intake.IntakeTraceWriter;
import org.xraybridge.forward.intake.ProtoBuffer;
import org.xraybridge.forward.intake.TopLevel;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.TracerInfo;

/**
 * A native span's way through the bridge, receiver to next-hop payload: the Java tracer's captured v0.4
 * payload (5 traces, 19 spans) decoded and every chunk written by the v0.4 writer (agent mode) or as
 * intake protobuf chunk entries, with the spans decoded whole ({@link #wholeSpans}, {@link
 * #intakeWholeSpans}: the paths before issue 22) and keeping their bytes ({@link #keptBytes}, {@link
 * #intakeKeptBytes}). Per span ({@code @OperationsPerInvocation}), so {@code -prof gc}'s {@code
 * gc.alloc.rate.norm} is bytes allocated per native span.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BytesThroughBenchmark {

  static final int SPANS = 19;

  private byte[] body;
  private V04Decoder whole;
  private V04Decoder bytes;
  private final V04TraceWriter writer = new V04TraceWriter();
  private final MsgpackBuffer out = new MsgpackBuffer(64 * 1024, 1 << 24);
  private final IntakeTraceWriter intake = new IntakeTraceWriter();
  private final TopLevel topLevel = new TopLevel();
  private final ProtoBuffer proto = new ProtoBuffer(64 * 1024, 1 << 24);

  @Setup
  public void load() throws IOException {
    body = DecodeBenchmark.payload("captured", 0);
    whole = new V04Decoder(System::nanoTime);
    bytes = new V04Decoder(System::nanoTime, new StringCache(), true);
    long spans = whole.decode(body, body.length, TracerInfo.UNKNOWN).spansReceived;
    if (spans != SPANS) throw new IllegalStateException("the captured payload has " + spans + " spans");
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public int wholeSpans() {
    return decodeAndWrite(whole);
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public int keptBytes() {
    return decodeAndWrite(bytes);
  }

  private int decodeAndWrite(V04Decoder decoder) {
    DecodeResult r = decoder.decode(body, body.length, TracerInfo.UNKNOWN);
    out.reset();
    for (TraceChunk c : r.chunks) {
      out.ensureRoom(writer.sizeOf(c));
      writer.write(c, out);
    }
    return out.size();
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public int intakeWholeSpans() {
    return decodeAndWriteIntake(whole);
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public int intakeKeptBytes() {
    return decodeAndWriteIntake(bytes);
  }

  private int decodeAndWriteIntake(V04Decoder decoder) {
    DecodeResult r = decoder.decode(body, body.length, TracerInfo.UNKNOWN);
    proto.reset();
    for (TraceChunk c : r.chunks) {
      boolean[] top = topLevel.compute(c.spans());
      intake.sizeOfChunkEntry(c, 1, top);
      intake.writeChunkEntry(c, 1, top, proto);
    }
    return proto.size();
  }
}
