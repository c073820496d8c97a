package org.xraybridge.forward.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a spool directory holds, read from its files as the next process would find them. */
public final class SpoolFiles {
  private SpoolFiles() {}

  /** The span ids of every {@code .spool} file, oldest file first. */
  public static List<Long> spanIds(Path dir) throws IOException {
    List<Long> ids = new ArrayList<>();
    for (Payload p : payloads(dir)) for (long id : p.spanIds()) ids.add(id);
    return ids;
  }

  /** The payloads of every {@code .spool} file, oldest file first (names sort by sequence). */
  public static List<Payload> payloads(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".spool")).sorted().toList();
    }
    List<Payload> out = new ArrayList<>();
    for (Path f : files) out.add(Spool.decode(Files.readAllBytes(f)));
    return out;
  }
}
