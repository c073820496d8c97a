package org.xraybridge.forward.intake;


import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xraybridge.forward.IntakeWire;
import org.xraybridge.forward.TestTraces;
import org.xraybridge.model.Half;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.testing.Cases;

class TopLevelTest {
  private final TopLevel topLevel = new TopLevel();

  private static Span span(long id, long parent, String service) {
    return Span.builder().traceId(1).spanId(id).parentId(parent).service(service).name("op").build();
  }

  @Test
  void compute_rootOrphanAndServiceChange_areTopLevelSameServiceChildIsNot() {
    List<Span> spans = List.of(
        span(1, 0, "web"),       // root
        span(2, 1, "web"),       // same service as its parent
        span(3, 2, "db"),        // another service
        span(4, 99, "web"),      // parent not in the chunk
        span(5, 3, "db"));       // same service as its parent (3)
    boolean[] top = topLevel.compute(spans);
    assertThat(new boolean[] {top[0], top[1], top[2], top[3], top[4]}).containsExactly(true, false, true, true, false);
  }

  @Test
  void compute_randomChunks_agreesWithTheObviousRule() {
    Cases.forAll(51L, Cases.tries(500), r -> TestTraces.random(r, TestTraces.JAVA), chunk -> {
      boolean[] top = topLevel.compute(chunk.spans());
      for (int i = 0; i < chunk.size(); i++) {
        assertThat(top[i]).as("span %d", i).isEqualTo(IntakeWire.topLevel(chunk, chunk.spans().get(i)));
      }
    });
  }

  @Test
  void compute_largeChunkAfterSmallOnes_growsAndStaysCorrect() {
    List<Span> spans = new ArrayList<>();
    spans.add(span(1, 0, "a"));
    for (int i = 2; i <= 5000; i++) spans.add(span(i, i - 1, i % 100 == 0 ? "b" : "a"));
    boolean[] top = topLevel.compute(spans);
    int count = 0;
    for (int i = 0; i < spans.size(); i++) if (top[i]) count++;
    // the root, each "b" span, and each "a" span right after a "b"
    assertThat(count).isEqualTo(1 + 50 + 49);
    TraceChunk c = new TraceChunk(1, spans, 1, "", "", Half.NATIVE, TestTraces.JAVA);
    for (int i = 0; i < spans.size(); i++) assertThat(top[i]).isEqualTo(IntakeWire.topLevel(c, spans.get(i)));
  }
}
