package org.xraybridge.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where tests read the shared corpus in place ({@code -Dcorpus.dir}, default {@code ../shared/corpus}). */
public final class Corpus {
  private Corpus() {}

  public static Path root() {
    Path p = Path.of(System.getProperty("corpus.dir", System.getProperty("bridge.corpus", "../shared/corpus")));
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("corpus not found at " + p.toAbsolutePath() + " (set -Dcorpus.dir)");
    }
    return p;
  }

  public static Path file(String relative) {
    return root().resolve(relative);
  }
}
