package org.xraybridge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test corpus the repository carries ({@code src/test/resources/corpus}: real X-Ray documents and
 * captured tracer payloads with their SOURCES and README attribution files). Tests, benches and JMH
 * read it through here only, and nothing outside the repository is ever read: a path that resolves
 * outside the project directory is refused, so a test cannot quietly depend on files a fresh clone
 * does not have.
 */
public final class Corpus {

  private static final String IN_REPOSITORY = "src/test/resources/corpus";

  private Corpus() {}

  /** The project directory: Maven's {@code basedir} when it set one, else the working directory. */
  public static Path project() {
    String basedir = System.getProperty("basedir", "");
    return Path.of(basedir.isBlank() ? "" : basedir).toAbsolutePath().normalize();
  }

  public static Path root() {
    Path p = project().resolve(IN_REPOSITORY);
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("corpus not found at " + p + ": run from the project directory (it holds " + IN_REPOSITORY + ")");
    }
    return p;
  }

  /** A file of the corpus; {@code relative} must stay inside it (no {@code ..} out, no absolute path). */
  public static Path file(String relative) {
    Path root = root();
    Path p = root.resolve(relative).normalize();
    if (!p.startsWith(root)) throw new IllegalArgumentException("corpus path leaves the repository's corpus: " + relative);
    try {
      // a symbolic link out of the repository is refused too
      if (Files.exists(p) && !p.toRealPath().startsWith(project().toRealPath())) {
        throw new IllegalArgumentException("corpus path resolves outside the repository: " + relative);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
