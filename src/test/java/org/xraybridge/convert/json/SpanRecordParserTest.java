package org.xraybridge.convert.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.otel.SpanRecord;
import org.xraybridge.convert.otel.SpanRecord.Attribute;
import org.xraybridge.convert.otel.SpanRecord.Type;
import org.xraybridge.model.Ledger.DocumentReason;

/** docs/conversion.md §8.1: what the parser reads from one {@code aws/spans} message, and what it refuses. */
class SpanRecordParserTest {

  final SpanRecordParser parser = new SpanRecordParser();

  @Test
  void parse_readsEveryFieldWithItsJsonType() throws Exception {
    SpanRecord r = parser.parse("""
        {"resource":{"attributes":{"service.name":"svc","pid":7},"schemaUrl":"x"},
         "scope":{"name":"lib","version":"1.0","attributes":{"ignored":true}},
         "traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef","parentSpanId":"",
         "name":"op","kind":"SERVER","flags":256,
         "startTimeUnixNano":"1750000000000000000","endTimeUnixNano":1750000001000000000,"durationNano":1000000000,
         "traceState":"k=v",
         "attributes":{"s":"text","b":true,"f":false,"i":42,"d":0.5,"e":1e3,"a":["x",1,true,null,{"o":1}],"m":{"k":[1,2]},"n":null},
         "status":{"code":"ERROR","message":"bad"},
         "events":[{"name":"exception","timeUnixNano":"1750000000500000000","attributes":{"exception.type":"E"}},"junk"],
         "links":[{"traceId":"0123456789abcdef0123456789abcdee","spanId":"00000000000000aa","traceState":"t","attributes":{"l":"v"}}],
         "unknown":{"deep":[1,2,3]}}
        """);
    assertThat(r.traceId()).isEqualTo("0123456789abcdef0123456789abcdef");
    assertThat(r.spanId()).isEqualTo("0123456789abcdef");
    assertThat(r.parentSpanId()).isEmpty();
    assertThat(r.name()).isEqualTo("op");
    assertThat(r.kind()).isEqualTo("SERVER");
    assertThat(r.startTime()).isEqualTo("1750000000000000000");
    assertThat(r.endTime()).isEqualTo("1750000001000000000");
    assertThat(r.duration()).isEqualTo("1000000000");
    assertThat(r.traceState()).isEqualTo("k=v");
    assertThat(r.scopeName()).isEqualTo("lib");
    assertThat(r.scopeVersion()).isEqualTo("1.0");
    assertThat(r.statusCode()).isEqualTo("ERROR");
    assertThat(r.statusMessage()).isEqualTo("bad");
    assertThat(r.resourceAttributes()).containsExactly(new Attribute("service.name", Type.STRING, "svc"), new Attribute("pid", Type.INT, "7"));
    assertThat(r.attributes()).containsExactly(
        new Attribute("s", Type.STRING, "text"),
        new Attribute("b", Type.BOOL, "true"),
        new Attribute("f", Type.BOOL, "false"),
        new Attribute("i", Type.INT, "42"),
        new Attribute("d", Type.DOUBLE, "0.5"),
        new Attribute("e", Type.DOUBLE, "1e3"),
        new Attribute("a", Type.ARRAY, "[\"x\",1,true,null,{\"o\":1}]", List.of("x", "1", "true")),
        new Attribute("m", Type.MAP, "{\"k\":[1,2]}"));
    assertThat(r.events()).hasSize(1);
    assertThat(r.events().get(0).name()).isEqualTo("exception");
    assertThat(r.events().get(0).time()).isEqualTo("1750000000500000000");
    assertThat(r.events().get(0).attributes()).containsExactly(new Attribute("exception.type", Type.STRING, "E"));
    assertThat(r.links()).containsExactly(new SpanRecord.Link(
        "0123456789abcdef0123456789abcdee", "00000000000000aa", "t", List.of(new Attribute("l", Type.STRING, "v"))));
    assertThat(r.repairs()).containsExactly("wrong_type:events[]");
  }

  @Test
  void parse_numericKindAndStatus_areKeptAsTheirText() throws Exception {
    SpanRecord r = parser.parse("{\"kind\":3,\"status\":{\"code\":2}}");
    assertThat(r.kind()).isEqualTo("3");
    assertThat(r.statusCode()).isEqualTo("2");
  }

  @Test
  void parse_wrongTypes_areAbsentAndCounted() throws Exception {
    SpanRecord r = parser.parse(
        "{\"traceId\":5,\"spanId\":[],\"name\":{},\"startTimeUnixNano\":\"soon\",\"attributes\":[1],\"events\":{},\"status\":\"OK\"}");
    assertThat(r.traceId()).isEmpty();
    assertThat(r.spanId()).isEmpty();
    assertThat(r.name()).isEmpty();
    assertThat(r.startTime()).isEmpty();
    assertThat(r.attributes()).isEmpty();
    assertThat(r.repairs()).containsExactly(
        "wrong_type:traceId", "wrong_type:spanId", "wrong_type:name", "wrong_type:startTimeUnixNano",
        "wrong_type:attributes", "wrong_type:events", "wrong_type:status");
  }

  @Test
  void parse_refusesWhatItCannotRead_withTheCountedReason() {
    assertRefused("{\"traceId\":", DocumentReason.MALFORMED_JSON);
    assertRefused("", DocumentReason.MALFORMED_JSON);
    assertRefused("[1,2]", DocumentReason.MALFORMED_JSON);
    assertRefused("\"text\"", DocumentReason.MALFORMED_JSON);
    assertRefused("{} {}", DocumentReason.MALFORMED_JSON);
    assertRefused("not json at all", DocumentReason.MALFORMED_JSON);
    String deep = "{\"attributes\":{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}}";
    assertRefused(deep, DocumentReason.MALFORMED_JSON);
  }

  @Test
  void parse_nestingUpToTheBound_isRead() throws Exception {
    // the record, its attributes and 62 arrays: 64 levels, the bound
    String ok = "{\"attributes\":{\"a\":" + "[".repeat(62) + "]".repeat(62) + "}}";
    assertThat(parser.parse(ok).attributes()).hasSize(1);
  }

  @Test
  void parse_oversized_isRefusedBeforeParsing_atTheCloudWatchEventBound() throws Exception {
    String head = "{\"traceId\":\"0123456789abcdef0123456789abcdef\",\"name\":\"";
    String fits = head + "x".repeat(SpanRecordParser.MAX_EVENT_BYTES - head.length() - 2) + "\"}";
    assertThat(fits.length()).isEqualTo(SpanRecordParser.MAX_EVENT_BYTES);
    assertThat(parser.parse(fits).name()).hasSize(SpanRecordParser.MAX_EVENT_BYTES - head.length() - 2);
    String over = head + "x".repeat(SpanRecordParser.MAX_EVENT_BYTES - head.length() - 1) + "\"}";
    assertRefused(over, DocumentReason.OVERSIZED);
    // bytes, not chars: 'é' is two bytes in UTF-8
    String wide = head + "é".repeat(SpanRecordParser.MAX_EVENT_BYTES / 2) + "\"}";
    assertRefused(wide, DocumentReason.OVERSIZED);
  }

  @Test
  void parse_aSmallerBound_isHonoured() {
    SpanRecordParser small = new SpanRecordParser(64);
    assertThatThrownBy(() -> small.parse("{\"name\":\"" + "y".repeat(60) + "\"}"))
        .isInstanceOfSatisfying(DocumentParseException.class, e -> assertThat(e.reason()).isEqualTo(DocumentReason.OVERSIZED));
    assertThatThrownBy(() -> new SpanRecordParser(SpanRecordParser.MAX_EVENT_BYTES + 1)).isInstanceOf(IllegalArgumentException.class);
  }

  private void assertRefused(String message, DocumentReason reason) {
    assertThatThrownBy(() -> parser.parse(message))
        .isInstanceOfSatisfying(DocumentParseException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
