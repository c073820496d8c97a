package org.xraybridge.forward.intake;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.xraybridge.model.Span;
import org.xraybridge.model.TraceChunk;

/**
 * APM stats for intake mode: what the Agent's concentrator computes from every trace it receives,
 * before sampling — its buckets, grouping, eligibility, weights and DDSketch mapping, as
 * docs/forward.md ("APM stats") specifies. Without them, service pages show no hits, errors or
 * latency for what we send straight to the intake.
 *
 * <p>A span older than the oldest open bucket is folded into it. A flush emits the buckets that
 * ended at least one bucket ago (the Agent keeps two open), or all of them when forced (shutdown).
 * Memory is bounded: at most {@code maxGroups} groups are open at once; spans of a new group beyond
 * that are left out of the stats ({@link #add} returns how many, the caller counts them).
 *
 * <p>Thread-safe (synchronized).
 */
public final class StatsConcentrator {
  static final long BUCKET_NANOS = 10_000_000_000L;
  /** Datadog's sketch parameters (libdatadog {@code LogMapping::default}). */
  private static final double RELATIVE_ACCURACY = 0.007751937984496124;
  private static final double GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
  private static final double INDEX_OFFSET = (1 - Math.floor(Math.log(1e-9) / Math.log(GAMMA))) + 0.5;
  private static final int MAX_BINS = 2048;
  /** Grouped-stats entries per intake payload (Agent {@code maxEntriesPerPayload}). */
  private static final int MAX_ENTRIES_PER_PAYLOAD = 4000;

  private static final String[] COMPUTED_KINDS = {"server", "client", "consumer", "producer"};

  private final String hostname;
  private final String defaultEnv;
  private final String agentVersion;
  private final Clock clock;
  private final int maxGroups;
  private final int maxEntriesPerPayload;
  private final TreeMap<Long, Map<PayloadKey, Map<GroupKey, Group>>> buckets = new TreeMap<>();
  private long oldestOpen;
  private int openGroups;

  public StatsConcentrator(String hostname, String defaultEnv, String agentVersion, Clock clock, int maxGroups) {
    this(hostname, defaultEnv, agentVersion, clock, maxGroups, MAX_ENTRIES_PER_PAYLOAD);
  }

  StatsConcentrator(
      String hostname, String defaultEnv, String agentVersion, Clock clock, int maxGroups, int maxEntriesPerPayload) {
    this.hostname = hostname;
    this.defaultEnv = defaultEnv;
    this.agentVersion = agentVersion;
    this.clock = clock;
    this.maxGroups = maxGroups;
    this.maxEntriesPerPayload = maxEntriesPerPayload;
    this.oldestOpen = align(nowNanos()) - BUCKET_NANOS;
  }

  /** A sketch with Datadog's parameters. */
  private static DDSketch newSketch() {
    return new DDSketch(
        new LogarithmicMapping(GAMMA, INDEX_OFFSET), () -> new CollapsingLowestDenseStore(MAX_BINS));
  }

  /**
   * Adds the chunk's eligible spans; {@code topLevel[i]} as computed by {@link TopLevel}.
   *
   * @return spans left out because {@code maxGroups} groups were open
   */
  public synchronized int add(TraceChunk chunk, boolean[] topLevel) {
    List<Span> spans = chunk.spans();
    if (spans.isEmpty()) return 0;
    int leftOut = 0;
    Span root = root(spans);
    double weight = weight(root);
    PayloadKey payloadKey = new PayloadKey(
        chunk.env().isEmpty() ? defaultEnv : chunk.env(),
        root.meta("version"),
        chunk.tracer().language(),
        chunk.tracer().tracerVersion(),
        chunk.tracer().containerId());
    boolean synthetics = chunk.origin().startsWith("synthetics");
    for (int i = 0; i < spans.size(); i++) {
      Span s = spans.get(i);
      boolean top = topLevel[i] || metricIs(s, TopLevel.TRACER_METRIC, 1);
      String kind = s.meta("span.kind");
      if (!eligible(s, top, kind)) continue;
      long end = s.startNanos() + s.durationNanos();
      long bucket = Math.max(align(end), oldestOpen);
      GroupKey key = new GroupKey(
          s.service(), s.name(), s.resource(), s.type(), httpStatus(s), kind, synthetics,
          s.parentId() == 0 ? 1 : 2);
      Map<GroupKey, Group> groups =
          buckets.computeIfAbsent(bucket, b -> new LinkedHashMap<>()).computeIfAbsent(payloadKey, k -> new LinkedHashMap<>());
      Group g = groups.get(key);
      if (g == null) {
        if (openGroups >= maxGroups) {
          leftOut++;
          continue;
        }
        g = new Group();
        groups.put(key, g);
        openGroups++;
      }
      g.add(s, top, weight);
    }
    return leftOut;
  }

  /**
   * Msgpack {@code StatsPayload} bodies (uncompressed) for the buckets that are due, or for all of
   * them when {@code force}; at most {@code maxEntriesPerPayload} groups each.
   */
  public synchronized List<byte[]> flush(boolean force) {
    long now = nowNanos();
    List<Entry> due = new ArrayList<>();
    for (Iterator<Map.Entry<Long, Map<PayloadKey, Map<GroupKey, Group>>>> it = buckets.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, Map<PayloadKey, Map<GroupKey, Group>>> b = it.next();
      if (!force && b.getKey() > now - 2 * BUCKET_NANOS) continue;
      for (Map.Entry<PayloadKey, Map<GroupKey, Group>> p : b.getValue().entrySet()) {
        for (Map.Entry<GroupKey, Group> g : p.getValue().entrySet()) {
          due.add(new Entry(b.getKey(), p.getKey(), g.getKey(), g.getValue()));
        }
      }
      it.remove();
    }
    openGroups -= due.size();
    oldestOpen = Math.max(oldestOpen, align(now) - BUCKET_NANOS);
    List<byte[]> out = new ArrayList<>();
    boolean split = due.size() > maxEntriesPerPayload;
    for (int from = 0; from < due.size(); from += maxEntriesPerPayload) {
      out.add(encode(due.subList(from, Math.min(due.size(), from + maxEntriesPerPayload)), split));
    }
    return out;
  }

  /** A tracer's {@code /v0.6/stats} body wrapped as the intake wants it ({@code ClientComputed}). */
  public static byte[] wrapClientStats(byte[] clientStatsPayload, String hostname, String env, String agentVersion) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(6);
      /* 1 */ p.packString("AgentHostname").packString(hostname);
      /* 2 */ p.packString("AgentEnv").packString(env);
      /* 3 */ p.packString("Stats").packArrayHeader(1);
      p.writePayload(clientStatsPayload); // already one msgpack ClientStatsPayload map
      /* 4 */ p.packString("AgentVersion").packString(agentVersion);
      /* 5 */ p.packString("ClientComputed").packBoolean(true);
      /* 6 */ p.packString("SplitPayload").packBoolean(false);
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] encode(List<Entry> entries, boolean split) {
    // nest: payload key → bucket → groups, in first-seen order
    Map<PayloadKey, Map<Long, List<Entry>>> nested = new LinkedHashMap<>();
    for (Entry e : entries) {
      nested.computeIfAbsent(e.payload, k -> new TreeMap<>()).computeIfAbsent(e.bucket, k -> new ArrayList<>()).add(e);
    }
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(6);
      /* 1 */ p.packString("AgentHostname").packString(hostname);
      /* 2 */ p.packString("AgentEnv").packString(defaultEnv);
      /* 3 */ p.packString("Stats").packArrayHeader(nested.size());
      for (Map.Entry<PayloadKey, Map<Long, List<Entry>>> pk : nested.entrySet()) {
        writeClientPayload(p, pk.getKey(), pk.getValue());
      }
      /* 4 */ p.packString("AgentVersion").packString(agentVersion);
      /* 5 */ p.packString("ClientComputed").packBoolean(false);
      /* 6 */ p.packString("SplitPayload").packBoolean(split);
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeClientPayload(MessageBufferPacker p, PayloadKey key, Map<Long, List<Entry>> buckets)
      throws IOException {
    p.packMapHeader(14);
    /* 1 */ p.packString("Hostname").packString("");
    /* 2 */ p.packString("Env").packString(key.env);
    /* 3 */ p.packString("Version").packString(key.version);
    /* 4 */ p.packString("Stats").packArrayHeader(buckets.size());
    for (Map.Entry<Long, List<Entry>> b : buckets.entrySet()) {
      p.packMapHeader(4);
      /* 1 */ p.packString("Start").packLong(b.getKey());
      /* 2 */ p.packString("Duration").packLong(BUCKET_NANOS);
      /* 3 */ p.packString("Stats").packArrayHeader(b.getValue().size());
      for (Entry e : b.getValue()) writeGroup(p, e.key, e.group);
      /* 4 */ p.packString("AgentTimeShift").packLong(0);
    }
    /* 5 */ p.packString("Lang").packString(key.lang);
    /* 6 */ p.packString("TracerVersion").packString(key.tracerVersion);
    /* 7 */ p.packString("RuntimeID").packString("");
    /* 8 */ p.packString("Sequence").packLong(0);
    /* 9 */ p.packString("AgentAggregation").packString("");
    /* 10 */ p.packString("Service").packString("");
    /* 11 */ p.packString("ContainerID").packString(key.containerId);
    /* 12 */ p.packString("Tags").packArrayHeader(0);
    /* 13 */ p.packString("GitCommitSha").packString("");
    /* 14 */ p.packString("ImageTag").packString("");
  }

  private static void writeGroup(MessageBufferPacker p, GroupKey k, Group g) throws IOException {
    p.packMapHeader(16);
    /* 1 */ p.packString("Service").packString(k.service);
    /* 2 */ p.packString("Name").packString(k.name);
    /* 3 */ p.packString("Resource").packString(k.resource);
    /* 4 */ p.packString("HTTPStatusCode").packInt(k.httpStatus);
    /* 5 */ p.packString("Type").packString(k.type);
    /* 6 */ p.packString("DBType").packString("");
    /* 7 */ p.packString("Hits").packLong(Math.round(g.hits));
    /* 8 */ p.packString("Errors").packLong(Math.round(g.errors));
    /* 9 */ p.packString("Duration").packLong(Math.round(g.duration));
    byte[] ok = bytes(g.ok.serialize());
    /* 10 */ p.packString("OkSummary").packBinaryHeader(ok.length).writePayload(ok);
    byte[] err = bytes(g.error.serialize());
    /* 11 */ p.packString("ErrorSummary").packBinaryHeader(err.length).writePayload(err);
    /* 12 */ p.packString("Synthetics").packBoolean(k.synthetics);
    /* 13 */ p.packString("TopLevelHits").packLong(Math.round(g.topLevelHits));
    /* 14 */ p.packString("SpanKind").packString(k.spanKind);
    /* 15 */ p.packString("PeerTags").packArrayHeader(0);
    /* 16 */ p.packString("IsTraceRoot").packInt(k.isTraceRoot);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static boolean eligible(Span s, boolean top, String kind) {
    Double partial = s.metrics().get("_dd.partial_version");
    if (partial != null && partial >= 0) return false;
    if (top || metricIs(s, "_dd.measured", 1)) return true;
    if (kind.isEmpty()) return false;
    for (String k : COMPUTED_KINDS) {
      if (k.equalsIgnoreCase(kind)) return true;
    }
    return false;
  }

  private static boolean metricIs(Span s, String key, double value) {
    Double v = s.metrics().get(key);
    return v != null && v == value;
  }

  /** The HTTP status of a span: metric or meta {@code http.status_code}, else 0. */
  static int httpStatus(Span s) {
    Double m = s.metrics().get("http.status_code");
    if (m != null && m >= 0 && m < 1000) return m.intValue();
    String v = s.meta("http.status_code");
    if (v.isEmpty() || v.length() > 3) return 0;
    int code = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') return 0;
      code = code * 10 + (c - '0');
    }
    return code;
  }

  private static Span root(List<Span> spans) {
    for (int i = 0; i < spans.size(); i++) {
      if (spans.get(i).parentId() == 0) return spans.get(i);
    }
    return spans.get(0);
  }

  private static double weight(Span root) {
    Double rate = root.metrics().get("_sample_rate");
    return rate != null && rate > 0 && rate < 1 ? 1 / rate : 1;
  }

  private long nowNanos() {
    return clock.millis() * 1_000_000L;
  }

  static long align(long nanos) {
    return nanos - Math.floorMod(nanos, BUCKET_NANOS);
  }

  private record PayloadKey(String env, String version, String lang, String tracerVersion, String containerId) {}

  private record GroupKey(
      String service, String name, String resource, String type, int httpStatus, String spanKind,
      boolean synthetics, int isTraceRoot) {
    GroupKey {
      spanKind = spanKind.toLowerCase(Locale.ROOT);
    }
  }

  private record Entry(long bucket, PayloadKey payload, GroupKey key, Group group) {}

  private static final class Group {
    double hits;
    double errors;
    double topLevelHits;
    double duration;
    final DDSketch ok = newSketch();
    final DDSketch error = newSketch();

    void add(Span s, boolean top, double weight) {
      hits += weight;
      if (top) topLevelHits += weight;
      duration += s.durationNanos() * weight;
      if (s.error() != 0) {
        errors += weight;
        error.accept(s.durationNanos(), weight);
      } else {
        ok.accept(s.durationNanos(), weight);
      }
    }
  }
}
