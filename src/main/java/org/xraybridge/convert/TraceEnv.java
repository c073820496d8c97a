package org.xraybridge.convert;

import java.util.List;
import java.util.Map;
import org.xraybridge.convert.Segment.Entry;
import org.xraybridge.convert.Segment.Kind;
import org.xraybridge.model.Names;

/**
 * The env of a trace, docs/conversion.md §6: the env annotation of a top-level document, else the
 * env rule for the trace's first segment's service, else the configured default. Immutable and
 * thread-safe.
 */
final class TraceEnv {

  private final String annotation;
  /** Normalised service → env. */
  private final Map<String, String> rules;
  /** Fixed by the options, so normalised once. */
  private final String fallback;

  TraceEnv(String annotation, Map<String, String> rules, String defaultEnv) {
    this.annotation = annotation;
    this.rules = rules;
    String env = Names.tag(defaultEnv);
    this.fallback = env.isEmpty() ? "none" : env;
  }

  /** {@code services} index for index with {@code tops}. */
  String of(List<TopDocument> tops, String[] services) {
    for (int i = 0; i < tops.size(); i++) {
      List<Entry> annotations = tops.get(i).segment().annotations();
      for (int j = 0; j < annotations.size(); j++) {
        Entry e = annotations.get(j);
        if (e.key().equals(annotation) && e.kind() == Kind.STRING && !e.text().isBlank()) {
          String env = Names.tag(e.text());
          if (!env.isEmpty()) return env;
        }
      }
    }
    if (!rules.isEmpty() && !tops.isEmpty()) {
      String service = services[0];
      for (int i = 0; i < tops.size(); i++) {
        if (!tops.get(i).segment().isSubsegmentDocument()) {
          service = services[i];
          break;
        }
      }
      String ruled = rules.get(service);
      if (ruled != null && !Names.tag(ruled).isEmpty()) return Names.tag(ruled);
    }
    return fallback;
  }
}
