package org.xraybridge.demo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.xraybridge.demo.Answer.BadRequest;
import org.xraybridge.demo.EmulatorStore.Summary;
import org.xraybridge.demo.EmulatorStore.TimeRangeType;
import org.xraybridge.demo.EmulatorStore.TraceView;
import org.xraybridge.demo.EmulatorStore.Unprocessed;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The answers of the X-Ray API operations the emulator serves, from its store, with the service's
 * validation messages: GetTraceSummaries (newest first, {@link Faults#pageSize()} a page, an opaque
 * {@code NextToken}), BatchGetTraces (1–5 ids, unknown ids absent), PutTraceSegments and
 * GetTraceSegmentDestination. A request the service would refuse throws {@link BadRequest}.
 */
final class XRayApi {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final EmulatorStore store;
  private final Faults faults;

  XRayApi(EmulatorStore store, Faults faults) {
    this.store = store;
    this.faults = faults;
  }

  static boolean isRead(String operation) {
    return operation.equals(RecordedRequest.GET_TRACE_SUMMARIES) || operation.equals(RecordedRequest.BATCH_GET_TRACES);
  }

  Answer answer(String operation, ObjectNode request, RequestLog.Entry rec) {
    switch (operation) {
      case RecordedRequest.GET_TRACE_SUMMARIES:
        return traceSummaries(request, rec);
      case RecordedRequest.BATCH_GET_TRACES:
        return batchGetTraces(request, rec);
      case RecordedRequest.PUT_TRACE_SEGMENTS:
        return putTraceSegments(request);
      case RecordedRequest.GET_TRACE_SEGMENT_DESTINATION:
        ObjectNode out = NODES.objectNode();
        Faults.Destination d = faults.segmentDestination();
        out.put("Destination", d.destination());
        out.put("Status", d.status());
        return Answer.ok(out);
      default:
        return Answer.error(404, "UnknownOperationException", "No such operation: " + operation);
    }
  }

  private Answer traceSummaries(ObjectNode request, RequestLog.Entry rec) {
    Instant start = requiredTime(request, "StartTime");
    Instant end = requiredTime(request, "EndTime");
    if (end.isBefore(start)) throw new BadRequest("EndTime must not be before StartTime");
    TimeRangeType axis;
    try {
      axis = TimeRangeType.parse(request.path("TimeRangeType").asString(""));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    List<Summary> all = store.summaries(start, end, axis, FilterExpression.parse(request.path("FilterExpression").asString("")));
    int from = 0;
    String token = request.path("NextToken").asString("");
    if (!token.isEmpty()) from = PageToken.firstAfter(all, token);
    int to = Math.min(all.size(), from + Math.max(1, faults.pageSize()));
    ArrayNode rows = NODES.arrayNode();
    for (int i = from; i < to; i++) rows.add(TraceJson.summary(all.get(i)));
    ObjectNode out = NODES.objectNode();
    out.set("TraceSummaries", rows);
    Instant approximate = from < to ? all.get(from).matchedAt() : end;
    out.put("ApproximateTime", TraceJson.seconds(approximate));
    out.put("TracesProcessedCount", (long) (to - from));
    String next = to < all.size() ? PageToken.after(all.get(to - 1)) : "";
    if (!next.isEmpty()) out.put("NextToken", next);
    rec.page(next, to - from);
    return Answer.ok(out);
  }

  private Answer batchGetTraces(ObjectNode request, RequestLog.Entry rec) {
    JsonNode ids = request.get("TraceIds");
    if (!(ids instanceof ArrayNode array) || array.isEmpty()) {
      throw new BadRequest("1 validation error detected: Value null at 'traceIds' failed to satisfy constraint: Member must not be null");
    }
    if (array.size() > 5) throw new BadRequest("Exceeding maximum query size: 5");
    if (!request.path("NextToken").asString("").isEmpty()) throw new BadRequest("NextToken is currently not supported");
    List<String> unprocessed = new ArrayList<>();
    ArrayNode traces = NODES.arrayNode();
    boolean leaveOne = faults.leaveFirstUnprocessed();
    int limitChars = faults.limitExceededChars();
    // with Transaction Search on, BatchGetTraces cannot find traces (its API reference): none is answered
    boolean transactionSearch = faults.segmentDestination().toLogs();
    for (JsonNode idNode : array) {
      String id = idNode.asString("");
      if (leaveOne) {
        unprocessed.add(id);
        leaveOne = false;
        continue;
      }
      TraceView t = transactionSearch ? null : store.trace(id);
      if (t == null) continue; // unknown ids are simply absent from Traces, as the service does
      traces.add(TraceJson.trace(t, limitChars));
    }
    ObjectNode out = NODES.objectNode();
    out.set("Traces", traces);
    ArrayNode un = out.putArray("UnprocessedTraceIds");
    for (String id : unprocessed) un.add(id);
    rec.page("", traces.size());
    return Answer.ok(out);
  }

  private Answer putTraceSegments(ObjectNode request) {
    JsonNode docs = request.get("TraceSegmentDocuments");
    if (!(docs instanceof ArrayNode array)) throw new BadRequest("TraceSegmentDocuments is required");
    List<String> texts = new ArrayList<>();
    for (JsonNode d : array) texts.add(d.asString(""));
    List<Unprocessed> refused = store.put(texts);
    ObjectNode out = NODES.objectNode();
    ArrayNode un = out.putArray("UnprocessedTraceSegments");
    for (Unprocessed u : refused) {
      ObjectNode o = un.addObject();
      o.put("Id", u.id());
      o.put("ErrorCode", u.errorCode());
      o.put("Message", u.message());
    }
    return Answer.ok(out);
  }

  private static Instant requiredTime(ObjectNode request, String field) {
    Instant t = EmulatorStore.seconds(request.get(field));
    if (t == null) throw new BadRequest(field + " is required (epoch seconds)");
    return t;
  }
}
