package org.xraybridge.convert;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.xraybridge.convert.Segment.XException;

/**
 * What every span of one trace shares (ids, X-Ray's cut and env, docs/conversion.md §1 and §6), the trace-wide
 * exception lookup a {@code cause} reference needs (§5), and where repairs are noted. Confined to one run.
 */
final class TraceContext {

  private final String xrayTraceId;
  private final long traceId;
  private final String env;
  private final boolean limitExceeded;
  private final List<TopDocument> documents;
  private final Findings findings;
  /** Exception ids of the whole trace, built on the first {@code cause} that refers to one. */
  private Map<String, XException> exceptionsById;

  TraceContext(String xrayTraceId, long traceId, String env, boolean limitExceeded, List<TopDocument> documents, Findings findings) {
    this.xrayTraceId = xrayTraceId;
    this.traceId = traceId;
    this.env = env;
    this.limitExceeded = limitExceeded;
    this.documents = documents;
    this.findings = findings;
  }

  String xrayTraceId() {
    return xrayTraceId;
  }

  long traceId() {
    return traceId;
  }

  String env() {
    return env;
  }

  /** X-Ray cut the trace at its size limit: the spans are what it kept. */
  boolean limitExceeded() {
    return limitExceeded;
  }

  void repaired(String what) {
    findings.repaired(what);
  }

  /** The exception with {@code id} anywhere in the trace, or null. */
  XException exception(String id) {
    if (exceptionsById == null) {
      exceptionsById = new HashMap<>();
      for (int i = 0; i < documents.size(); i++) indexExceptions(documents.get(i).segment());
    }
    return exceptionsById.get(id.toLowerCase(Locale.ROOT));
  }

  private void indexExceptions(Segment s) {
    List<XException> exceptions = s.cause().exceptions();
    for (int i = 0; i < exceptions.size(); i++) {
      XException e = exceptions.get(i);
      if (!e.id().isEmpty()) exceptionsById.putIfAbsent(e.id().toLowerCase(Locale.ROOT), e);
    }
    List<Segment> subs = s.subsegments();
    for (int i = 0; i < subs.size(); i++) indexExceptions(subs.get(i));
  }
}
