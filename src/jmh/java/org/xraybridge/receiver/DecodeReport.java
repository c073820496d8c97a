package org.xraybridge.receiver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.xraybridge.model.TracerInfo;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prints {@link DecodeBenchmark}'s result: per payload, time per payload for both benchmarks, their
 * ratio ({@code decode / skipTraversal}, the target is ≤ 1.5), and allocation per payload and per span
 * (from {@code -prof gc}). Ratios, because the machines are shared and noisy; the ratios come last.
 */
public final class DecodeReport {
  private DecodeReport() {}

  public static void main(String[] args) throws Exception {
    JsonNode results = JsonMapper.builder().build().readTree(Files.readString(Path.of(args[0])));
    Map<String, double[]> decode = new LinkedHashMap<>();
    Map<String, double[]> skip = new LinkedHashMap<>();
    Map<String, double[]> keeping = new LinkedHashMap<>();
    for (JsonNode r : results) {
      String method = r.path("benchmark").asString();
      method = method.substring(method.lastIndexOf('.') + 1);
      String payload = r.path("params").path("payload").asString();
      double score = r.path("primaryMetric").path("score").asDouble();
      double error = r.path("primaryMetric").path("scoreError").asDouble();
      double alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
      (method.equals("decode") ? decode : method.equals("decodeKeepingBytes") ? keeping : skip)
          .put(payload, new double[] {score, error, alloc});
    }
    System.out.println();
    for (String payload : decode.keySet()) {
      byte[] bytes = DecodeBenchmark.payload(payload, 0);
      long spans = new V04Decoder(System::nanoTime).decode(bytes, bytes.length, TracerInfo.UNKNOWN).spansReceived;
      double[] d = decode.get(payload);
      double[] s = skip.get(payload);
      System.out.printf("%-10s %7d bytes %5d spans  decode %9.2f ± %6.2f us  skip %9.2f ± %6.2f us  "
              + "decode alloc %9.0f B/payload = %6.0f B/span (%.1f B/byte)%n",
          payload, bytes.length, spans, d[0], d[1], s == null ? Double.NaN : s[0], s == null ? Double.NaN : s[1],
          d[2], d[2] / spans, d[2] / bytes.length);
      double[] k = keeping.get(payload);
      if (k != null) {
        System.out.printf("%-10s keeping bytes: decode %9.2f ± %6.2f us  alloc %9.0f B/payload = %6.0f B/span%n",
            payload, k[0], k[1], k[2], k[2] / spans);
      }
    }
    System.out.println();
    for (String payload : decode.keySet()) {
      double[] s = skip.get(payload);
      if (s == null) continue;
      System.out.printf("RATIO decode / skipTraversal (%s) = %.2f%n", payload, decode.get(payload)[0] / s[0]);
      double[] k = keeping.get(payload);
      if (k != null) System.out.printf("RATIO decodeKeepingBytes / skipTraversal (%s) = %.2f%n", payload, k[0] / s[0]);
    }
  }
}
