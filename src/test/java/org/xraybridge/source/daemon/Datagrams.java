package org.xraybridge.source.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.xraybridge.testing.Corpus;

/** Datagrams and documents for the daemon tests: fixed ids (STYLE §7), the header the Java SDK writes. */
final class Datagrams {
  static final String HEADER = "{\"format\": \"json\", \"version\": 1}";
  /** Start times near the capture (2026-11-29), so the converter's clock checks pass with the system clock. */
  static final long T0 = 1_795_928_935L;

  private Datagrams() {}

  static byte[] datagram(String document) {
    return (HEADER + "\n" + document).getBytes(StandardCharsets.UTF_8);
  }

  static String traceId(int n) {
    return String.format("1-6b0bb367-%024x", 0xabc0000L + n);
  }

  static String segment(String traceId, String id, String name, double start, double end) {
    return "{\"name\":\"" + name + "\",\"id\":\"" + id + "\",\"trace_id\":\"" + traceId + "\",\"start_time\":" + start
        + ",\"end_time\":" + end + "}";
  }

  static String inProgressSegment(String traceId, String id, String name, double start) {
    return "{\"name\":\"" + name + "\",\"id\":\"" + id + "\",\"trace_id\":\"" + traceId + "\",\"start_time\":" + start
        + ",\"in_progress\":true}";
  }

  static String subsegment(String traceId, String id, String parentId, String name, double start, double end) {
    return "{\"name\":\"" + name + "\",\"id\":\"" + id + "\",\"start_time\":" + start + ",\"end_time\":" + end
        + ",\"type\":\"subsegment\",\"parent_id\":\"" + parentId + "\",\"trace_id\":\"" + traceId + "\"}";
  }

  static DaemonDocument document(String json) {
    DatagramDecoder.Result r = new DatagramDecoder().decode(datagram(json), datagram(json).length);
    if (r instanceof DatagramDecoder.Decoded d) return d.document();
    throw new AssertionError("not a valid document: " + r + " for " + json);
  }

  /** The {@code .raw} datagrams of a captured folder, in capture order. */
  static List<byte[]> captured(String folder) {
    Path dir = Corpus.file("captured/" + folder);
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".raw")).sorted().map(Datagrams::read).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
