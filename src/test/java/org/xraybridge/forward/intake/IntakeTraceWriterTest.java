package org.xraybridge.forward.intake;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xraybridge.forward.IntakeWire;
import org.xraybridge.forward.TestTraces;
import org.xraybridge.forward.intake.proto.AgentPayload;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.testing.Cases;

class IntakeTraceWriterTest {
  private final IntakeTraceWriter writer = new IntakeTraceWriter();
  private final TopLevel topLevel = new TopLevel();

  @Test
  void sizeOfChunkEntry_randomChunks_equalsTheBytesWrittenAndDecodesFieldByField() {
    Cases.forAll(61L, Cases.tries(300), r -> TestTraces.random(r, TestTraces.PYTHON), chunk -> {
      int priority = Math.max(1, IntakeWire.expectedPriority(chunk));
      TraceChunk kept = chunk.withPriority(priority);
      boolean[] top = topLevel.compute(kept.spans());
      ProtoBuffer buf = new ProtoBuffer(16, 1 << 24);
      int size = writer.sizeOfChunkEntry(kept, priority, top);
      writer.writeChunkEntry(kept, priority, top, buf);
      assertThat(buf.size()).isEqualTo(size);
      byte[] payload = IntakeTraceWriter.agentPayload("h", "e", "v",
          List.of(new IntakeTraceWriter.Group(kept.tracer(), "prod", buf)));
      try {
        IntakeWire.Payload p = IntakeWire.dynamic(payload);
        assertThat(IntakeWire.schemaless(payload)).isEqualTo(p);
        IntakeWire.assertChunk(p.tracers().get(0).chunks().get(0), kept);
        // and the generated classes agree on the span count
        assertThat(AgentPayload.parseFrom(payload).getTracerPayloads(0).getChunks(0).getSpansCount())
            .isEqualTo(kept.size());
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });
  }
}
