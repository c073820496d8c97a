package org.xraybridge.convert;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.json.SegmentParser;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRayDocuments;
import org.xraybridge.testing.BigTraces;
import org.xraybridge.testing.BigTraces.BigTrace;
import org.xraybridge.testing.TestLedger;

/**
 * Big traces stay whole (docs/conversion.md §0): documents compiled by the X-Ray API past 64 KiB and
 * traces of X-Ray's 10,000 spans convert whole, the 64 KiB rule stays for the daemon's datagrams, the
 * API path keeps a bound against abuse that costs no memory to apply, and a trace X-Ray cut
 * ({@code LimitExceeded}) gives the spans it holds, each tagged.
 */
class BigTraceConversionTest {

  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  static final long START = 1_795_929_000L;

  private final TestLedger ledger = new TestLedger();
  private final SegmentConverter converter = new SegmentConverter(ConvertOptions.DEFAULTS, ledger, Clock.fixed(NOW, ZoneOffset.UTC));

  private static List<Long> spanIds(Conversion c) {
    return c.trace().spans().stream().map(Span::spanId).toList();
  }

  @Test
  void compiledSegmentOf1500SubsegmentsFromTheApi_convertsWhole() {
    // the case: one Lambda segment with its DynamoDB calls compiled into one document of ≈ 450 KB
    BigTrace t = BigTraces.trace(23, 1_532, 1_532, START);
    assertThat(t.compiled()).hasSize(1);
    assertThat(t.longestCompiled()).isGreaterThan(400 * 1024);

    Conversion c = converter.convertDetailed(t.documents(false));

    assertThat(c.rejections()).isEmpty();
    assertThat(spanIds(c)).containsExactlyElementsOf(t.spanIds());
    assertThat(c.trace().emittedSegmentIds()).hasSize(1);
    assertThat(c.trace().spans()).filteredOn(s -> s.name().equals("aws.dynamodb.request")).hasSize(1_500)
        .allSatisfy(s -> assertThat(s.resource()).isEqualTo("DynamoDB.PutItem"));
    assertThat(c.trace().spans()).allSatisfy(s -> assertThat(s.meta()).doesNotContainKey("aws.xray.limit_exceeded"));
  }

  @Test
  void theSameDocumentOnTheDaemonPort_isRejectedAsOversized_forNoDatagramHoldsIt() {
    BigTrace t = BigTraces.trace(23, 1_532, 1_532, START);
    XRayDocuments api = t.documents(false);
    XRayDocuments daemon = new XRayDocuments(t.xrayTraceId(), api.documents(), Half.XRAY_DAEMON, false);

    Conversion c = converter.convertDetailed(daemon);

    assertThat(c.trace().spans()).isEmpty();
    assertThat(c.rejections()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(DocumentReason.OVERSIZED);
      assertThat(r.message()).contains("the limit is 65536");
    });
    assertThat(ledger.rejected(Half.XRAY_DAEMON, DocumentReason.OVERSIZED)).isEqualTo(1);
  }

  @Test
  void traceOfTenThousandSpansInDocumentsPast64KiB_convertsWholeWithEveryIdOnce() {
    BigTrace t = BigTraces.trace(10, 10_000, 500, START);
    assertThat(t.compiled()).hasSize(20);
    assertThat(t.longestCompiled()).isGreaterThan(64 * 1024);

    Conversion c = converter.convertDetailed(t.documents(false));

    assertThat(c.rejections()).isEmpty();
    assertThat(spanIds(c)).hasSize(10_000).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(t.spanIds());
    // each segment hangs under the first batch of the one before: one tree
    assertThat(c.trace().spans()).filteredOn(s -> s.parentId() == 0).hasSize(1);
  }

  @Test
  void limitExceededTrace_givesTheSpansItHolds_eachTagged() {
    BigTrace t = BigTraces.trace(7, 1_200, 600, START);

    Conversion cut = converter.convertDetailed(t.documents(true));

    assertThat(cut.rejections()).isEmpty();
    assertThat(spanIds(cut)).containsExactlyInAnyOrderElementsOf(t.spanIds());
    assertThat(cut.trace().spans()).allSatisfy(s -> assertThat(s.meta()).containsEntry("aws.xray.limit_exceeded", "true"));
  }

  @Test
  void documentPastTheApiBound_isRejectedBeforeItIsParsed_andCostsNoMemory() {
    String over = document("x".repeat(SegmentParser.MAX_DOCUMENT_BYTES));
    XRayDocuments docs = new XRayDocuments("1-5759e988-bd862e3fe1be46a994272793",
        List.of(new SegmentDocument("1111111111111111", over), new SegmentDocument("2222222222222222", document("").replace("1111", "2222"))),
        Half.XRAY_POLL, false);
    new SegmentConverter(ConvertOptions.DEFAULTS, new TestLedger(), Clock.fixed(NOW, ZoneOffset.UTC)).convertDetailed(docs); // classes loaded

    long before = allocatedBytes();
    Conversion c = converter.convertDetailed(docs);
    long allocated = allocatedBytes() - before;

    assertThat(c.rejections()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(DocumentReason.OVERSIZED);
      assertThat(r.segmentId()).isEqualTo("1111111111111111");
      assertThat(r.message()).contains("the limit is " + SegmentParser.MAX_DOCUMENT_BYTES);
    });
    assertThat(c.trace().spans()).hasSize(1);
    assertThat(allocated).as("an 8 MiB document refused without being parsed").isLessThan(64 * 1024);
  }

  @Test
  void documentJustUnderTheApiBound_converts_withMemoryInProportionToItsText() {
    // the largest document accepted: a segment with ≈ 22,000 subsegments (X-Ray serves at most 500 KB a trace)
    BigTrace t = BigTraces.trace(3, 22_000, 22_000, START);
    String doc = t.compiled().get(0);
    assertThat(doc.length()).isBetween(7 * 1024 * 1024, SegmentParser.MAX_DOCUMENT_BYTES);

    XRayDocuments documents = t.documents(false);
    converter.convertDetailed(BigTraces.trace(4, 10, 10, START).documents(false)); // classes loaded
    long before = allocatedBytes();
    Conversion c = converter.convertDetailed(documents);
    long allocated = allocatedBytes() - before;

    assertThat(c.rejections()).isEmpty();
    assertThat(c.trace().spans()).hasSize(22_000);
    System.out.printf("converting one %d-byte document of %d spans allocated %d bytes: %.1f per byte of text%n",
        doc.length(), c.trace().spans().size(), allocated, (double) allocated / doc.length());
    // what is allocated, not what stays: an upper bound on the heap one document's parse and spans hold
    assertThat(allocated).isLessThan(30L * doc.length());
  }

  private static String document(String blob) {
    return "{\"trace_id\":\"1-5759e988-bd862e3fe1be46a994272793\",\"id\":\"1111111111111111\",\"name\":\"svc\","
        + "\"start_time\":1795000000.5,\"end_time\":1795000001.25" + (blob.isEmpty() ? "" : ",\"metadata\":{\"default\":{\"blob\":\"" + blob + "\"}}") + "}";
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }
}
