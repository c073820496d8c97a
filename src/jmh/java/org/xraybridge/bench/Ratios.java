package org.xraybridge.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prints ratios from a JMH JSON result: {@code Ratios result.json benchmark:baseline …}. Each pair
 * prints {@code benchmark / baseline} of the primary score (time per op), and the allocation per op
 * when the run used {@code -prof gc}. Ratios, because the machines are shared and noisy.
 */
public final class Ratios {
  public static void main(String[] args) throws Exception {
    JsonNode results = JsonMapper.builder().build().readTree(Files.readString(Path.of(args[0])));
    Map<String, double[]> scores = new LinkedHashMap<>();
    for (JsonNode r : results) {
      String name = r.path("benchmark").asString();
      name = name.substring(name.lastIndexOf('.') + 1);
      double score = r.path("primaryMetric").path("score").asDouble();
      double error = r.path("primaryMetric").path("scoreError").asDouble();
      double alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
      scores.put(name, new double[] {score, error, alloc});
      System.out.printf("%-28s %12.1f ± %8.1f %s/op   alloc %10.0f B/op%n", name, score, error,
          r.path("primaryMetric").path("scoreUnit").asString(), alloc);
    }
    System.out.println();
    for (int i = 1; i < args.length; i++) {
      String[] pair = args[i].split(":");
      double[] a = scores.get(pair[0]);
      double[] b = scores.get(pair[1]);
      if (a == null || b == null) {
        System.out.println("missing result for " + args[i]);
        continue;
      }
      System.out.printf("RATIO %s / %s = %.2f%n", pair[0], pair[1], a[0] / b[0]);
    }
  }
}
