package org.xraybridge.demo;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.xraybridge.demo.Answer.BadRequest;
import org.xraybridge.demo.SpanLogStore.Event;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * CloudWatch Logs' FilterLogEvents as the emulator answers it (awsJson1_1, {@code X-Amz-Target:
 * Logs_20140328.FilterLogEvents}; the CloudWatch Logs API reference): events of one log group whose
 * time stamp lies in {@code [startTime, endTime]} (milliseconds, both counted), in time-stamp order, at
 * most {@code limit} (10,000) events or 1 MB a page; a {@code nextToken} while more remain — and,
 * as the reference warns, sometimes on an empty page ({@link Faults#emptyLogPage}). The token names
 * the last event returned, so events added meanwhile neither shift nor repeat a page. Validation as
 * the service: one of {@code logGroupName}/{@code logGroupIdentifier}; an unknown group is
 * {@code ResourceNotFoundException}. {@code filterPattern} and stream filters are not emulated.
 */
final class FilterLogEventsApi {

  static final String OPERATION = "FilterLogEvents";
  static final String TARGET = "Logs_20140328." + OPERATION;
  /** A page's byte bound (the API reference: up to 1 MB of events). */
  static final int MAX_PAGE_BYTES = 1_048_576;
  static final int MAX_LIMIT = 10_000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final SpanLogStore logs;
  private final Faults faults;

  FilterLogEventsApi(SpanLogStore logs, Faults faults) {
    this.logs = logs;
    this.faults = faults;
  }

  Answer answer(ObjectNode request, RequestLog.Entry rec) {
    String name = request.path("logGroupName").asString("");
    String identifier = request.path("logGroupIdentifier").asString("");
    if (name.isEmpty() == identifier.isEmpty()) {
      return Answer.error(400, "InvalidParameterException", "Exactly one of logGroupName or logGroupIdentifier must be specified");
    }
    String group = name.isEmpty() ? groupOf(identifier) : name;
    if (!logs.hasGroup(group)) return Answer.error(400, "ResourceNotFoundException", "The specified log group does not exist.");
    if (!request.path("filterPattern").asString("").isEmpty() || request.has("logStreamNames") || request.has("logStreamNamePrefix")) {
      throw new BadRequest("emulator: filterPattern and log stream filters are not emulated");
    }
    long start = request.path("startTime").isNumber() ? request.get("startTime").asLong() : 0;
    long end = request.path("endTime").isNumber() ? request.get("endTime").asLong() : Long.MAX_VALUE;
    int limit = MAX_LIMIT;
    if (request.has("limit")) {
      limit = request.get("limit").asInt(0);
      if (limit < 1 || limit > MAX_LIMIT) throw new BadRequest("1 validation error detected: Value '" + request.get("limit")
          + "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000");
    }
    limit = Math.min(limit, Math.max(1, faults.logsPageSize()));
    String token = request.path("nextToken").asString("");
    Key after = token.isEmpty() ? Key.START : Key.decode(token);
    rec.logRead(request, start, end, token);
    ObjectNode out = NODES.objectNode();
    ArrayNode events = out.putArray("events");
    out.putArray("searchedLogStreams");
    if (faults.emptyLogPage()) {
      out.put("nextToken", after.encode());
      rec.page(after.encode(), 0);
      return json(out);
    }
    List<Event> all = logs.events(group, start, end);
    int from = after.firstAfter(all);
    int bytes = 0;
    int i = from;
    for (; i < all.size() && i - from < limit; i++) {
      Event e = all.get(i);
      if (i > from && bytes + e.size() > MAX_PAGE_BYTES) break;
      bytes += e.size();
      ObjectNode o = events.addObject();
      o.put("logStreamName", e.stream());
      o.put("timestamp", e.timestamp());
      o.put("message", e.message());
      o.put("ingestionTime", e.ingestionTime());
      o.put("eventId", e.eventId());
    }
    String next = i < all.size() ? Key.of(all.get(i - 1)).encode() : "";
    if (!next.isEmpty()) out.put("nextToken", next);
    rec.page(next, i - from);
    return json(out);
  }

  /** The group an identifier names: a name, or the part of an ARN after {@code log-group:}. */
  private static String groupOf(String identifier) {
    int at = identifier.indexOf(":log-group:");
    if (at < 0) return identifier;
    String rest = identifier.substring(at + ":log-group:".length());
    return rest.endsWith(":*") ? rest.substring(0, rest.length() - 2) : rest;
  }

  private static Answer json(ObjectNode out) {
    return new Answer(200, null, EmulatorStore.JSON.writeValueAsString(out));
  }

  /** Where a page ends: the last event's place in the order. */
  private record Key(long timestamp, long ingestionTime, long sequence) {
    static final Key START = new Key(Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE);

    static Key of(Event e) {
      return new Key(e.timestamp(), e.ingestionTime(), e.sequence());
    }

    String encode() {
      String raw = "v1|" + timestamp + "|" + ingestionTime + "|" + sequence;
      return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Key decode(String token) {
      try {
        String[] p = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\\|");
        if (p.length != 4 || !p[0].equals("v1")) throw new IllegalArgumentException();
        return new Key(Long.parseLong(p[1]), Long.parseLong(p[2]), Long.parseLong(p[3]));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("The specified nextToken is invalid.");
      }
    }

    int firstAfter(List<Event> events) {
      for (int i = 0; i < events.size(); i++) {
        Event e = events.get(i);
        if (SpanLogStore.ORDER.compare(e, new Event("", timestamp, ingestionTime, sequence, "", "")) > 0) return i;
      }
      return events.size();
    }
  }

  static boolean isRead(String operation) {
    return operation.equals(OPERATION);
  }
}
