package org.xraybridge.demo;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulator's account of the requests it answered, the last {@link #MAX_RECORDED} in arrival
 * order: bounded, because the embedded mode runs for days. Thread-safe.
 */
final class RequestLog {

  /** Requests remembered; older ones are forgotten. */
  static final int MAX_RECORDED = 10_000;

  private final ConcurrentLinkedQueue<RecordedRequest> recorded = new ConcurrentLinkedQueue<>();
  private final AtomicInteger recordedCount = new AtomicInteger();

  void add(RecordedRequest r) {
    recorded.add(r);
    if (recordedCount.incrementAndGet() > MAX_RECORDED) {
      recorded.poll();
      recordedCount.decrementAndGet();
    }
  }

  List<RecordedRequest> all() {
    return List.copyOf(recorded);
  }

  List<RecordedRequest> of(String operation) {
    List<RecordedRequest> out = new ArrayList<>();
    for (RecordedRequest r : recorded) if (r.operation().equals(operation)) out.add(r);
    return Collections.unmodifiableList(out);
  }

  void clear() {
    recorded.clear();
    recordedCount.set(0);
  }

  /** A request being answered: what it asked, then what it was answered. */
  static final class Entry {
    final String operation;
    final long arrived;
    List<String> ids = List.of();
    BigDecimal start = BigDecimal.ZERO;
    BigDecimal end = BigDecimal.ZERO;
    String axis = "";
    String filter = "";
    String token = "";
    String next = "";
    String accessKeyId = "";
    int returned;

    Entry(String operation, long arrived) {
      this.operation = operation;
      this.arrived = arrived;
    }

    /** The fields of a read call (GetTraceSummaries, BatchGetTraces) as sent. */
    void read(ObjectNode request) {
      JsonNode ids = request.get("TraceIds");
      if (ids instanceof ArrayNode a) {
        List<String> l = new ArrayList<>();
        for (JsonNode n : a) l.add(n.asString(""));
        this.ids = l;
      }
      if (request.path("StartTime").isNumber()) start = request.get("StartTime").decimalValue();
      if (request.path("EndTime").isNumber()) end = request.get("EndTime").decimalValue();
      axis = request.path("TimeRangeType").asString("");
      filter = request.path("FilterExpression").asString("");
      token = request.path("NextToken").asString("");
    }

    /** The fields of a FilterLogEvents call as sent (times in epoch milliseconds). */
    void logRead(ObjectNode request, long startMillis, long endMillis, String nextToken) {
      start = BigDecimal.valueOf(startMillis);
      end = BigDecimal.valueOf(endMillis);
      token = nextToken;
      filter = request.path("logGroupName").asString(request.path("logGroupIdentifier").asString(""));
    }

    void page(String next, int returned) {
      this.next = next;
      this.returned = returned;
    }

    RecordedRequest done(int status) {
      return new RecordedRequest(operation, arrived, ids, start, end, axis, filter, token, next, status, returned, accessKeyId);
    }
  }
}
