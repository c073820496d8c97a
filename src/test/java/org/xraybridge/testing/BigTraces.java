package org.xraybridge.testing;

import java.util.ArrayList;
import java.util.List;
import org.xraybridge.model.Half;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.XRayDocuments;

/**
 * Large X-Ray traces, in the two forms they take: the documents SDKs upload (each at most one 64 KiB
 * datagram: a segment, and its subsegments streamed separately as independent subsegments) and the
 * documents {@code BatchGetTraces} serves, compiled from those uploads into one document per segment
 * (docs/conversion.md §0), which passes 64 KiB once a segment has a few hundred subsegments.
 *
 * <p>The shape is a batch job on Lambda: a chain of {@code AWS::Lambda::Function} segments, each under
 * the first subsegment of the one before; each segment holds {@code import-batch} subsegments of up to
 * 49 DynamoDB {@code PutItem} calls each, as the X-Ray SDKs record them. Deterministic for a seed.
 */
public final class BigTraces {

  /** Calls under one {@code import-batch} subsegment: a batch is one upload of about 19 KB. */
  public static final int CALLS_PER_BATCH = 49;

  /** One trace in both forms. */
  public record BigTrace(String xrayTraceId, List<String> compiled, List<String> uploads, List<Long> spanIds) {

    /** As a poller hands the compiled documents to the converter. */
    public XRayDocuments documents(boolean limitExceeded) {
      List<SegmentDocument> docs = new ArrayList<>(compiled.size());
      for (String d : compiled) docs.add(new SegmentDocument(idOf(d), d));
      return new XRayDocuments(xrayTraceId, docs, Half.XRAY_POLL, limitExceeded);
    }

    /** Bytes of the longest compiled document. */
    public int longestCompiled() {
      int max = 0;
      for (String d : compiled) max = Math.max(max, d.length());
      return max;
    }

    private static String idOf(String doc) {
      int at = doc.indexOf("\"id\":\"") + 6;
      return doc.substring(at, at + 16);
    }
  }

  private BigTraces() {}

  /**
   * A trace of {@code spans} spans in documents of {@code spansPerSegment} spans each (the last may be
   * smaller), starting {@code startEpochSeconds}.
   */
  public static BigTrace trace(long seed, int spans, int spansPerSegment, long startEpochSeconds) {
    if (spans < 3 || spansPerSegment < 6) throw new IllegalArgumentException("a segment needs room for batches and calls");
    Ids ids = new Ids(seed);
    String traceId = String.format("1-%08x-%024x", startEpochSeconds, ids.next() & 0xFFFF_FFFF_FFFFL);
    List<String> compiled = new ArrayList<>();
    List<String> uploads = new ArrayList<>();
    List<Long> spanIds = new ArrayList<>(spans);
    long micros = startEpochSeconds * 1_000_000L + 120_000;
    String parent = "";
    int left = spans;
    for (int segment = 0; left > 0; segment++) {
      int here = Math.min(spansPerSegment, left);
      if (left - here > 0 && left - here < 3) here = left - 3; // no segment too small for a batch and a call
      left -= here;
      long segmentId = ids.next();
      spanIds.add(segmentId);
      long segmentStart = micros;
      List<String> batches = new ArrayList<>();
      String firstBatch = "";
      for (int inSegment = 1; inSegment < here; ) {
        int calls = Math.min(CALLS_PER_BATCH, here - inSegment - 1);
        long batchId = ids.next();
        spanIds.add(batchId);
        if (firstBatch.isEmpty()) firstBatch = hex(batchId);
        long batchStart = micros += 150;
        StringBuilder b = new StringBuilder(calls * 400);
        for (int c = 0; c < calls; c++) {
          long callId = ids.next();
          spanIds.add(callId);
          long start = micros += 40;
          long end = micros += 2_000 + (callId & 0x3FF);
          if (c > 0) b.append(',');
          b.append(call(callId, start, end, segment, c));
        }
        long batchEnd = micros += 90;
        batches.add("\"id\":\"" + hex(batchId) + "\",\"name\":\"import-batch\",\"start_time\":" + seconds(batchStart)
            + ",\"end_time\":" + seconds(batchEnd) + ",\"annotations\":{\"batch_size\":" + calls + "},\"subsegments\":[" + b + "]");
        inSegment += 1 + calls;
      }
      long segmentEnd = micros += 300;
      String head = "{\"trace_id\":\"" + traceId + "\",\"id\":\"" + hex(segmentId) + "\"" + (parent.isEmpty() ? "" : ",\"parent_id\":\"" + parent + "\"")
          + ",\"name\":\"order-importer\",\"origin\":\"AWS::Lambda::Function\",\"start_time\":" + seconds(segmentStart)
          + ",\"end_time\":" + seconds(segmentEnd)
          + ",\"aws\":{\"function_arn\":\"arn:aws:lambda:us-east-1:123456789012:function:order-importer\","
          + "\"resource_names\":[\"order-importer\"],\"account_id\":\"123456789012\"},\"annotations\":{\"env\":\"prod\",\"stage\":" + segment + "}";
      StringBuilder whole = new StringBuilder(head).append(",\"subsegments\":[");
      for (int i = 0; i < batches.size(); i++) {
        if (i > 0) whole.append(',');
        whole.append('{').append(batches.get(i)).append('}');
        uploads.add("{\"type\":\"subsegment\",\"trace_id\":\"" + traceId + "\",\"parent_id\":\"" + hex(segmentId) + "\","
            + batches.get(i) + "}");
      }
      compiled.add(whole.append("]}").toString());
      uploads.add(head + "}");
      parent = firstBatch;
    }
    return new BigTrace(traceId, List.copyOf(compiled), List.copyOf(uploads), List.copyOf(spanIds));
  }

  private static String call(long id, long start, long end, int segment, int c) {
    return "{\"id\":\"" + hex(id) + "\",\"name\":\"DynamoDB\",\"start_time\":" + seconds(start) + ",\"end_time\":" + seconds(end)
        + ",\"namespace\":\"aws\",\"http\":{\"response\":{\"status\":200,\"content_length\":" + (2 + c % 7) + "}},"
        + "\"aws\":{\"operation\":\"PutItem\",\"region\":\"us-east-1\",\"request_id\":\"" + requestId(id) + "\","
        + "\"retries\":0,\"table_name\":\"orders\",\"resource_names\":[\"orders\"]}}";
  }

  /** A DynamoDB request id: 52 upper-case letters and digits, derived from the span id. */
  private static String requestId(long id) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    StringBuilder b = new StringBuilder(52);
    long x = id;
    for (int i = 0; i < 52; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      b.append(alphabet.charAt((int) ((x >>> 33) % alphabet.length())));
    }
    return b.toString();
  }

  /** Epoch seconds with microseconds, as the SDKs write them. */
  static String seconds(long micros) {
    return String.format("%d.%06d", micros / 1_000_000L, micros % 1_000_000L);
  }

  private static String hex(long id) {
    return String.format("%016x", id);
  }

  /** Distinct non-zero ids (splitmix64 of a counter). */
  private static final class Ids {
    private long state;

    Ids(long seed) {
      state = seed;
    }

    long next() {
      while (true) {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        if (z != 0) return z;
      }
    }
  }
}
