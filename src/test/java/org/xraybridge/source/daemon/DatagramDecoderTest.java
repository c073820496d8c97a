package org.xraybridge.source.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.source.daemon.Datagrams.HEADER;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.source.daemon.DatagramDecoder.Decoded;
import org.xraybridge.source.daemon.DatagramDecoder.Rejected;
import org.xraybridge.testing.Cases;

class DatagramDecoderTest {

  private static final String DOC =
      "{\"name\":\"svc\",\"id\":\"1f23bbcdfc83555a\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\",\"start_time\":1,\"end_time\":2}";

  private final DatagramDecoder decoder = new DatagramDecoder();

  @Test
  void decode_capturedJavaAndNodeDatagrams_readsTheGroupingFields() {
    List<byte[]> java = Datagrams.captured("xray-sdk-java_segment");
    DaemonDocument order = decoded(java.get(0));
    assertThat(order.traceId()).isEqualTo("1-6b0bb359-156d5372c855207ba0ec53d3");
    assertThat(order.id()).isEqualTo("1f23bbcdfc83555a"); // not one of its nested subsegments' ids
    assertThat(order.independentSubsegment()).isFalse();
    assertThat(order.inProgress()).isFalse();
    assertThat(order.bytes()).isEqualTo(java.get(0).length - HEADER.length() - 1);

    DaemonDocument chunk = decoded(Datagrams.captured("xray-sdk-java_streamed-subsegments").get(0));
    assertThat(chunk.id()).isEqualTo("34fcf314968136b5");
    assertThat(chunk.independentSubsegment()).isTrue();
    assertThat(chunk.json()).startsWith("{\"name\":\"import-chunk-1\"").endsWith("\"trace_id\":\"1-6b0bb367-0c98e7dedf47df59ce887996\"}");

    DaemonDocument node = decoded(Datagrams.captured("xray-sdk-node_segment").get(0)); // header without spaces
    assertThat(node.id()).isEqualTo("9bbe57c37602a683");
    assertThat(node.traceId()).isEqualTo("1-6b0bb379-e0d3abeb910aadd6823f99ee");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"format\":\"json\",\"version\":1}",
      "{ \"format\" : \"JSON\" , \"version\" : 1 }",
      "{\"Format\":\"Json\",\"VERSION\":1}",
      "{\"version\":1,\"format\":\"json\",\"extra\":{\"a\":[1,2]}}",
      "{\"format\": \"json\", \"version\": 1}\r",
      "\t{\"format\": \"json\", \"version\": 1}  "})
  void decode_headerVariantsTheDaemonAccepts_accepted(String header) {
    assertThat(decoder.decode(bytes(header + "\n" + DOC), bytes(header + "\n" + DOC).length)).isInstanceOf(Decoded.class);
  }

  @Test
  void decode_inProgressAndSubsegmentFlags_readFromTopLevelOnly() {
    String doc = "{\"id\":\"aaaaaaaaaaaaaaaa\",\"subsegments\":[{\"id\":\"bbbbbbbbbbbbbbbb\",\"type\":\"subsegment\","
        + "\"in_progress\":true,\"name\":\"x}]{\\\"\"}],\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\","
        + "\"metadata\":{\"id\":\"cccccccccccccccc\",\"trace_id\":\"nested\"},\"in_progress\":true,\"name\":\"s\",\"start_time\":1}";
    DaemonDocument d = decoded(Datagrams.datagram(doc));
    assertThat(d.id()).isEqualTo("aaaaaaaaaaaaaaaa");
    assertThat(d.traceId()).isEqualTo("1-6b0bb359-156d5372c855207ba0ec53d3");
    assertThat(d.independentSubsegment()).isFalse();
    assertThat(d.inProgress()).isTrue();
  }

  /** The converter takes "true" (any case) as in progress too; the assembler must agree on which copy is complete. */
  @Test
  void decode_inProgressAsAString_readAsTheConverterReadsIt() {
    for (String v : new String[] {"\"true\"", "\"TRUE\""}) {
      DaemonDocument d = decoded(Datagrams.datagram("{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\","
          + "\"in_progress\":" + v + ",\"name\":\"s\",\"start_time\":1}"));
      assertThat(d.inProgress()).as(v).isTrue();
    }
    DaemonDocument done = decoded(Datagrams.datagram("{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\","
        + "\"in_progress\":\"false\",\"name\":\"s\",\"start_time\":1,\"end_time\":2}"));
    assertThat(done.inProgress()).isFalse();
  }

  @Test
  void decode_noNewline_malformedHeader() {
    assertRejected(bytes(HEADER + DOC), DatagramOutcome.MALFORMED_HEADER, null, "no newline");
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello", "{\"format\":\"json\",\"version\":1", "[\"json\",1]", "", "{\"format\" \"json\"}"})
  void decode_headerNotAJsonObject_malformedHeader(String header) {
    assertRejected(bytes(header + "\n" + DOC), DatagramOutcome.MALFORMED_HEADER, null, "Malformed header");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"format\":\"json\",\"version\":2}",
      "{\"format\":\"json\",\"version\":\"1\"}",
      "{\"format\":\"json\",\"version\":1.0}",
      "{\"format\":\"json\"}",
      "{\"format\":\"xml\",\"version\":1}",
      "{\"version\":1}",
      "{\"format\":null,\"version\":1}",
      "{}"})
  void decode_unknownFormatOrVersion_unknownFormat(String header) {
    assertRejected(bytes(header + "\n" + DOC), DatagramOutcome.UNKNOWN_FORMAT, null, "Unknown format");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n", " \t\r\n "})
  void decode_emptyBody_missingBody(String body) {
    assertRejected(bytes(HEADER + "\n" + body), DatagramOutcome.MISSING_BODY, null, "Missing body");
  }

  @Test
  void decode_70KB_oversize() {
    byte[] big = padded(70_000);
    assertRejected(big, DatagramOutcome.OVERSIZE, DocumentReason.OVERSIZED, "Oversized datagram");
  }

  @Test
  void decode_exactly64KiB_acceptedAndOneByteMore_oversize() {
    assertThat(decoder.decode(padded(65_536), 65_536)).isInstanceOf(Decoded.class);
    // what the listener's 64 KiB + 1 read buffer shows for any longer datagram
    assertThat(decoder.decode(padded(65_537), 65_537)).isInstanceOf(Rejected.class)
        .extracting(r -> ((Rejected) r).outcome()).isEqualTo(DatagramOutcome.OVERSIZE);
  }

  @Test
  void decode_binaryGarbage_malformedHeader() {
    byte[] garbage = new byte[512];
    new SplittableRandom(7).nextBytes(garbage);
    garbage[100] = '\n';
    assertRejected(garbage, DatagramOutcome.MALFORMED_HEADER, null, "Malformed header");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"id\":\"aaaaaaaaaaaaaaaa\"",
      "{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\",\"subsegments\":[{]}",
      "[{\"id\":\"aaaaaaaaaaaaaaaa\"}]",
      "{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\"} trailing",
      "{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\"}{\"id\":\"b\"}",
      "not json at all"})
  void decode_bodyNotOneJsonObject_undecodable(String body) {
    assertRejected(bytes(HEADER + "\n" + body), DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_JSON, "Malformed document");
  }

  @Test
  void decode_missingTraceIdOrId_undecodableMissingField() {
    assertRejected(bytes(HEADER + "\n{\"id\":\"aaaaaaaaaaaaaaaa\",\"name\":\"s\"}"), DatagramOutcome.UNDECODABLE,
        DocumentReason.MISSING_FIELD, "trace_id is missing");
    assertRejected(bytes(HEADER + "\n{\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\",\"subsegments\":[{\"id\":\"aaaaaaaaaaaaaaaa\"}]}"),
        DatagramOutcome.UNDECODABLE, DocumentReason.MISSING_FIELD, "id is missing");
  }

  @Test
  void decode_idNotAStringOrTooLong_undecodableMalformedId() {
    assertRejected(bytes(HEADER + "\n{\"id\":12,\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\"}"),
        DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_ID, "id is not a string");
    assertRejected(bytes(HEADER + "\n{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"" + "1".repeat(65) + "\"}"),
        DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_ID, "trace_id is not a string");
    // an escaped id is text the converter would read as another id: counted here, never grouped and lost
    assertRejected(bytes(HEADER + "\n{\"id\":\"\\u0035eea000000000001\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\"}"),
        DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_ID, "id is not a string of 1..64 characters without escapes");
  }

  @Test
  void decode_bodyNotUtf8_undecodable() {
    byte[] head = bytes(HEADER + "\n{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\",\"name\":\"");
    byte[] tail = bytes("\"}");
    byte[] b = Arrays.copyOf(head, head.length + 2 + tail.length);
    b[head.length] = (byte) 0xC3; // a lead byte …
    b[head.length + 1] = (byte) 0x28; // … without its continuation
    System.arraycopy(tail, 0, b, head.length + 2, tail.length);
    assertRejected(b, DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_JSON, "not UTF-8");
  }

  @Test
  void decode_utf8Body_keptAsText() {
    String doc = "{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\",\"name\":\"Bestellung – Köln\"}";
    DaemonDocument d = decoded(Datagrams.datagram(doc));
    assertThat(d.json()).isEqualTo(doc);
    assertThat(d.bytes()).isEqualTo(doc.getBytes(StandardCharsets.UTF_8).length);
  }

  /** Mutated real datagrams (cut, bytes flipped, bytes inserted) never throw and always get an outcome. */
  @Test
  void decode_mutatedCapturedDatagrams_neverThrow() {
    List<byte[]> seeds = new ArrayList<>();
    seeds.addAll(Datagrams.captured("xray-sdk-java_segment"));
    seeds.addAll(Datagrams.captured("xray-sdk-java_streamed-subsegments"));
    seeds.addAll(Datagrams.captured("xray-sdk-node_segment"));
    Cases.forAll(20_240_601L, Cases.tries(2000), r -> mutate(seeds.get(r.nextInt(seeds.size())), r), b -> {
      DatagramDecoder.Result result = decoder.decode(b, b.length);
      if (result instanceof Decoded d) {
        assertThat(d.document().id()).isNotEmpty().hasSizeLessThanOrEqualTo(DatagramDecoder.MAX_ID_CHARS);
        assertThat(d.document().traceId()).isNotEmpty().hasSizeLessThanOrEqualTo(DatagramDecoder.MAX_ID_CHARS);
      } else {
        assertThat(((Rejected) result).outcome()).isNotEqualTo(DatagramOutcome.ACCEPTED);
      }
    });
  }

  /**
   * Documents with their members in random order, random whitespace and nested decoys (objects and
   * arrays holding {@code id}, {@code type}, {@code in_progress}, brackets and quotes inside strings):
   * the scan reads exactly the top-level values.
   */
  @Test
  void decode_generatedDocuments_readsTopLevelMembersOnly() {
    Cases.forAll(20_240_602L, Cases.tries(2000), DatagramDecoderTest::generated, g -> {
      DaemonDocument d = decoded(Datagrams.datagram(g.json));
      assertThat(d.id()).isEqualTo(g.id);
      assertThat(d.traceId()).isEqualTo(g.traceId);
      assertThat(d.independentSubsegment()).isEqualTo(g.subsegment);
      assertThat(d.inProgress()).isEqualTo(g.inProgress);
    });
  }

  private record Generated(String json, String id, String traceId, boolean subsegment, boolean inProgress) {
    @Override
    public String toString() {
      return json;
    }
  }

  private static Generated generated(SplittableRandom r) {
    String id = hex(r, 16);
    String traceId = "1-" + hex(r, 8) + "-" + hex(r, 24);
    boolean subsegment = r.nextBoolean();
    boolean inProgress = r.nextBoolean();
    List<String> members = new ArrayList<>();
    members.add(q("id") + ":" + q(id));
    members.add(q("trace_id") + ":" + q(traceId));
    if (subsegment) members.add(q("type") + ":" + q("subsegment"));
    else if (r.nextBoolean()) members.add(q("type") + ":" + q("segment"));
    if (inProgress) members.add(q("in_progress") + ":true");
    else if (r.nextBoolean()) members.add(q("in_progress") + ":false");
    members.add(q("name") + ":" + q("n\\\"}]{[\\\\"));
    members.add(q("start_time") + ":" + (r.nextBoolean() ? "1.79592892165E9" : "1795928953.188"));
    int decoys = r.nextInt(4);
    for (int i = 0; i < decoys; i++) members.add(q("subsegments") + ":" + decoy(r, 1 + r.nextInt(4)));
    if (r.nextBoolean()) members.add(q("metadata") + ":{" + q("id") + ":" + q("ffffffffffffffff") + "," + q("type") + ":" + q("subsegment") + "}");
    for (int i = members.size() - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      String t = members.get(i);
      members.set(i, members.get(j));
      members.set(j, t);
    }
    StringBuilder json = new StringBuilder(ws(r)).append('{');
    for (int i = 0; i < members.size(); i++) {
      if (i > 0) json.append(ws(r)).append(',');
      // no value holds a colon, so this only spaces out the separators
      json.append(ws(r)).append(members.get(i).replace(":", ws(r) + ":" + ws(r)));
    }
    json.append(ws(r)).append('}').append(ws(r));
    return new Generated(json.toString(), id, traceId, subsegment, inProgress);
  }

  private static String decoy(SplittableRandom r, int depth) {
    if (depth == 0) return r.nextBoolean() ? q("x]}\\\"") : "12";
    return "[{" + q("id") + ":" + q(hex(r, 16)) + "," + q("type") + ":" + q("subsegment") + "," + q("in_progress") + ":true,"
        + q("subsegments") + ":[" + decoy(r, depth - 1) + "]}]";
  }

  private static String ws(SplittableRandom r) {
    return switch (r.nextInt(6)) {
      case 0 -> " ";
      case 1 -> "\n\t";
      case 2 -> "  \r\n";
      default -> "";
    };
  }

  private static String q(String s) {
    return "\"" + s + "\"";
  }

  private static String hex(SplittableRandom r, int n) {
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) s.append(Character.forDigit(r.nextInt(16), 16));
    return s.toString();
  }

  private static byte[] mutate(byte[] seed, SplittableRandom r) {
    byte[] b = seed.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      switch (r.nextInt(3)) {
        case 0 -> b = Arrays.copyOf(b, r.nextInt(b.length + 1));
        case 1 -> {
          if (b.length > 0) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        default -> {
          int at = r.nextInt(b.length + 1);
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = "{}[]\",:\\\n".getBytes(StandardCharsets.US_ASCII)[r.nextInt(9)];
          System.arraycopy(b, at, c, at + 1, b.length - at);
          b = c;
        }
      }
    }
    return b;
  }

  private DaemonDocument decoded(byte[] datagram) {
    DatagramDecoder.Result r = decoder.decode(datagram, datagram.length);
    assertThat(r).isInstanceOf(Decoded.class);
    return ((Decoded) r).document();
  }

  private void assertRejected(byte[] datagram, DatagramOutcome outcome, DocumentReason reason, String message) {
    DatagramDecoder.Result r = decoder.decode(datagram, datagram.length);
    assertThat(r).isInstanceOf(Rejected.class);
    Rejected rejected = (Rejected) r;
    assertThat(rejected.outcome()).isEqualTo(outcome);
    assertThat(rejected.documentReason()).isEqualTo(reason);
    assertThat(rejected.message()).contains(message);
  }

  private static byte[] padded(int total) {
    String head = HEADER + "\n{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"1-6b0bb359-156d5372c855207ba0ec53d3\",\"pad\":\"";
    int pad = total - head.length() - 2;
    return bytes(head + "x".repeat(pad) + "\"}");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
