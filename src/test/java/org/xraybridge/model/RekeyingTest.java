package org.xraybridge.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/stitching.md rule 2 as {@link Rekeying} applies it: the Datadog trace id, the X-Ray root under
 * the named span, the trigger tags on the function span; the trace key the half joins and is
 * partitioned by; and idempotence — applied again it builds nothing (the producer applies it before
 * producing, the stitcher after consuming).
 */
class RekeyingTest {

  static final DatadogContext DD = new DatadogContext(0x8000_0000_0000_1234L, 0x77L, 2, Map.of("function_trigger.event_source", "sqs"), 0);

  static ConvertedTrace half(DatadogContext dd) {
    List<Span> spans = List.of(
        Span.builder().traceId(0xabcdL).spanId(1).parentId(0).service("fn").name("aws.lambda.function").resource("f").build(),
        Span.builder().traceId(0xabcdL).spanId(2).parentId(1).service("fn").name("aws.dynamodb").resource("PutItem").build());
    return new ConvertedTrace("1-5f000000-0123456789abcdef01234567", 0xabcdL, Half.XRAY_POLL, spans, "prod", dd, Set.of(), Set.of(),
        Set.of());
  }

  @Test
  void reKeys_reParentsTheRoot_tagsTheFunction_andKeysByTheDatadogTraceId() {
    ConvertedTrace t = Rekeying.apply(half(DD));
    assertThat(t.spans()).allMatch(s -> s.traceId() == DD.traceId());
    assertThat(t.spans().get(0).parentId()).isEqualTo(0x77L);
    assertThat(t.spans().get(1).parentId()).isEqualTo(1);
    assertThat(t.spans().get(0).meta("function_trigger.event_source")).isEqualTo("sqs");
    assertThat(t.spans().get(1).meta("function_trigger.event_source")).isEmpty();
    assertThat(t.traceId()).isEqualTo(0xabcdL); // the converted id stays for the explain view
    assertThat(Rekeying.keyOf(t)).isEqualTo(TraceKey.of(DD.traceId()));
    assertThat(Rekeying.keyOf(half(DatadogContext.NONE))).isEqualTo(TraceKey.of(0xabcdL));
  }

  @Test
  void appliedTwice_changesAndBuildsNothing() {
    ConvertedTrace once = Rekeying.apply(half(DD));
    assertThat(Rekeying.apply(once)).isSameAs(once);
    ConvertedTrace none = half(DatadogContext.NONE);
    assertThat(Rekeying.apply(none)).isSameAs(none);
  }
}
