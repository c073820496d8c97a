package org.xraybridge.demo;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Moves the documents of one recorded trace to the present, so the emulator can serve realistic
 * traces "as if they just happened": every {@code start_time}/{@code end_time} (nested subsegments
 * included) shifts by the same amount so the trace ends at the given instant, and the trace gets a
 * new id whose epoch part is its new start (X-Ray requires a recent epoch, and each replay must be a
 * distinct trace). Segment ids, parent links and every other field stay as they were.
 */
public final class TimeShift {

  private TimeShift() {}

  /**
   * @param documents the top-level documents of one trace (segments and independent subsegments)
   * @param end when the shifted trace ends
   * @param random source of the new trace id's 96 random bits
   * @return the shifted documents, in the same order
   * @throws IllegalArgumentException when a document is not a JSON object with numeric times
   */
  public static List<String> toNow(List<String> documents, Instant end, SplittableRandom random) {
    Objects.requireNonNull(end, "end == null");
    List<ObjectNode> trees = new ArrayList<>(documents.size());
    BigDecimal latest = null;
    BigDecimal earliest = null;
    for (String d : documents) {
      JsonNode n = EmulatorStore.JSON.readTree(d);
      if (!(n instanceof ObjectNode o)) throw new IllegalArgumentException("not a segment document: " + abbreviate(d));
      trees.add(o);
      BigDecimal[] range = range(o, null);
      if (range[0] == null) throw new IllegalArgumentException("document without start_time: " + abbreviate(d));
      if (earliest == null || range[0].compareTo(earliest) < 0) earliest = range[0];
      if (latest == null || range[1].compareTo(latest) > 0) latest = range[1];
    }
    if (trees.isEmpty()) return List.of();
    BigDecimal target = BigDecimal.valueOf(end.getEpochSecond()).add(BigDecimal.valueOf(end.getNano(), 9));
    BigDecimal delta = target.subtract(latest);
    long newStart = earliest.add(delta).longValue();
    String traceId = traceId(newStart, random);
    List<String> out = new ArrayList<>(trees.size());
    for (ObjectNode o : trees) {
      shift(o, delta);
      if (o.has("trace_id")) o.put("trace_id", traceId);
      out.add(EmulatorStore.JSON.writeValueAsString(o));
    }
    return out;
  }

  /** A new X-Ray trace id: {@code 1-<epoch seconds hex>-<24 random hex>}. */
  public static String traceId(long epochSeconds, SplittableRandom random) {
    return "1-" + String.format("%08x", epochSeconds) + "-" + String.format("%08x", random.nextInt())
        + String.format("%016x", random.nextLong());
  }

  private static BigDecimal[] range(ObjectNode node, BigDecimal[] acc) {
    if (acc == null) acc = new BigDecimal[2];
    for (String field : new String[] {"start_time", "end_time"}) {
      JsonNode t = node.get(field);
      if (t != null && t.isNumber()) {
        BigDecimal v = t.decimalValue();
        if (acc[0] == null || v.compareTo(acc[0]) < 0) acc[0] = v;
        if (acc[1] == null || v.compareTo(acc[1]) > 0) acc[1] = v;
      }
    }
    JsonNode subs = node.get("subsegments");
    if (subs instanceof ArrayNode a) for (JsonNode c : a) if (c instanceof ObjectNode o) range(o, acc);
    return acc;
  }

  private static void shift(ObjectNode node, BigDecimal delta) {
    for (String field : new String[] {"start_time", "end_time"}) {
      JsonNode t = node.get(field);
      if (t != null && t.isNumber()) node.put(field, t.decimalValue().add(delta));
    }
    JsonNode subs = node.get("subsegments");
    if (subs instanceof ArrayNode a) for (JsonNode c : a) if (c instanceof ObjectNode o) shift(o, delta);
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "…";
  }
}
