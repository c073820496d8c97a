package org.xraybridge.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.xraybridge.demo.Answer.BadRequest;
import org.xraybridge.demo.EmulatorStore.TraceView;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * X-Ray's trace retrieval of Transaction Search as the emulator answers it (the X-Ray API reference:
 * StartTraceRetrieval, ListRetrievedTraces): a retrieval of 1–100 ids and a time range gets a token;
 * ListRetrievedTraces answers {@code SCHEDULED}, then {@code RUNNING} ({@link Faults#retrievalRunningAnswers}
 * times in all, with no traces, as the reference says it does until the retrieval is done), then how it
 * ended ({@link Faults#retrievalOutcome}): {@code COMPLETE} with the traces, five a page, in X-Ray
 * format (each span a segment document); {@code FAILED}, {@code CANCELLED} or {@code TIMEOUT} with none.
 * Retrievals are forgotten after {@value #MAX_RETRIEVALS}.
 */
final class TraceRetrievalApi {

  static final String START = "StartTraceRetrieval";
  static final String LIST = "ListRetrievedTraces";
  static final int TRACES_PER_PAGE = 5;
  static final int MAX_RETRIEVALS = 1000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final EmulatorStore store;
  private final Faults faults;
  private final Map<String, Retrieval> retrievals = new ConcurrentHashMap<>();

  private static final class Retrieval {
    final List<String> ids;
    final String outcome;
    int runningLeft;
    int answered;

    Retrieval(List<String> ids, int running, String outcome) {
      this.ids = ids;
      this.runningLeft = running;
      this.outcome = outcome;
    }
  }

  TraceRetrievalApi(EmulatorStore store, Faults faults) {
    this.store = store;
    this.faults = faults;
  }

  static boolean isRead(String operation) {
    return operation.equals(START) || operation.equals(LIST);
  }

  Answer start(ObjectNode request, RequestLog.Entry rec) {
    JsonNode ids = request.get("TraceIds");
    if (!(ids instanceof ArrayNode array) || array.isEmpty()) throw new BadRequest("TraceIds is required");
    if (array.size() > 100) {
      throw new BadRequest("1 validation error detected: Value at 'traceIds' failed to satisfy constraint: Member must have length less than or equal to 100");
    }
    if (!request.path("StartTime").isNumber() || !request.path("EndTime").isNumber()) {
      throw new BadRequest("StartTime and EndTime are required (epoch seconds)");
    }
    if (request.get("EndTime").decimalValue().compareTo(request.get("StartTime").decimalValue()) < 0) {
      throw new BadRequest("EndTime must not be before StartTime");
    }
    List<String> list = new ArrayList<>();
    for (JsonNode n : array) list.add(n.asString(""));
    if (retrievals.size() >= MAX_RETRIEVALS) retrievals.clear();
    String token = UUID.randomUUID().toString();
    retrievals.put(token, new Retrieval(list, Math.max(0, faults.retrievalRunningAnswers()), faults.retrievalOutcome()));
    ObjectNode out = NODES.objectNode();
    out.put("RetrievalToken", token);
    rec.page("", list.size());
    return Answer.ok(out);
  }

  Answer list(ObjectNode request, RequestLog.Entry rec) {
    String token = request.path("RetrievalToken").asString("");
    if (token.isEmpty()) throw new BadRequest("RetrievalToken is required");
    String format = request.path("TraceFormat").asString("XRAY");
    if (!format.equals("XRAY")) throw new BadRequest("emulator: only TraceFormat XRAY is served");
    Retrieval r = retrievals.get(token);
    if (r == null) return Answer.error(404, "ResourceNotFoundException", "Retrieval token not found: " + token);
    ObjectNode out = NODES.objectNode();
    synchronized (r) {
      if (r.runningLeft > 0) {
        out.put("RetrievalStatus", r.answered++ == 0 ? "SCHEDULED" : "RUNNING");
        r.runningLeft--;
        rec.page("", 0);
        return Answer.ok(out);
      }
    }
    out.put("RetrievalStatus", r.outcome);
    if (!r.outcome.equals("COMPLETE")) {
      rec.page("", 0);
      return Answer.ok(out);
    }
    out.put("TraceFormat", "XRAY");
    List<TraceView> found = new ArrayList<>();
    for (String id : r.ids) {
      TraceView t = store.trace(id);
      if (t != null) found.add(t);
    }
    int from = 0;
    String next = request.path("NextToken").asString("");
    if (!next.isEmpty()) {
      try {
        from = Integer.parseInt(next.substring(1));
      } catch (RuntimeException e) {
        throw new BadRequest("Invalid NextToken");
      }
    }
    int to = Math.min(found.size(), from + TRACES_PER_PAGE);
    ArrayNode traces = out.putArray("Traces");
    for (int i = from; i < to; i++) {
      ObjectNode t = TraceJson.trace(found.get(i), Integer.MAX_VALUE);
      ObjectNode rt = traces.addObject();
      rt.put("Id", t.path("Id").asString(""));
      rt.set("Duration", t.get("Duration"));
      ArrayNode spans = rt.putArray("Spans");
      for (JsonNode seg : t.path("Segments")) {
        ObjectNode span = spans.addObject();
        span.put("Id", seg.path("Id").asString(""));
        span.put("Document", seg.path("Document").asString(""));
      }
    }
    String more = to < found.size() ? "p" + to : "";
    if (!more.isEmpty()) out.put("NextToken", more);
    rec.page(more, to - from);
    return Answer.ok(out);
  }
}
