package org.xraybridge.source.xray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and writes the checkpoint file: JSON, written to a temporary file beside it, forced to disk,
 * then renamed over the old one (atomically where the file system can), so a crash leaves either the
 * old or the new checkpoint, never half of one.
 *
 * <pre>
 * {"format": "xray-datadog-bridge/xray-checkpoint", "version": 1,
 *  "cursor": "2026-11-29T06:00:00Z", "written_at": "…",
 *  "traces": [{"id": "1-…", "revision": 3, "touched": "…", "held_since": "…", "held": ["…"],
 *              "delivered": {"&lt;segment id&gt;": &lt;hash&gt;, …}, "spans": [&lt;span id&gt;, …]}]}
 * </pre>
 *
 * A file that cannot be read back exactly so is corrupt: {@link #load()} throws a
 * {@link CheckpointException} naming the file and the problem, and never guesses. Not thread-safe:
 * the poller serialises writes.
 */
final class CheckpointStore {

  static final String FORMAT = "xray-datadog-bridge/xray-checkpoint";
  static final int VERSION = 1;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Path file;
  private final Path temp;

  CheckpointStore(Path file) {
    this.file = file.toAbsolutePath().normalize();
    this.temp = this.file.resolveSibling(this.file.getFileName() + ".tmp");
  }

  Path file() {
    return file;
  }

  /** True when a checkpoint file exists (it may still be corrupt). */
  boolean exists() {
    return Files.exists(file);
  }

  /**
   * Makes sure a checkpoint can be written: creates the directory and writes then removes a probe file.
   *
   * @throws CheckpointException when it cannot
   */
  void checkWritable() {
    try {
      Path dir = file.getParent();
      if (dir != null) Files.createDirectories(dir);
      Path probe = file.resolveSibling(file.getFileName() + ".probe");
      Files.writeString(probe, "probe");
      Files.delete(probe);
      if (Files.exists(file) && !Files.isWritable(file)) throw new IOException("the file is not writable");
    } catch (IOException | SecurityException e) {
      throw CheckpointException.unwritable(file, e);
    }
  }

  /**
   * Reads the checkpoint.
   *
   * @throws CheckpointException when the file is missing, unreadable or not a valid checkpoint
   */
  Checkpoint load() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw CheckpointException.corrupt(file, "the file does not exist", e);
    } catch (IOException e) {
      throw CheckpointException.corrupt(file, "cannot read it (" + e + ")", e);
    }
    return decode(file, bytes);
  }

  /** Parses checkpoint bytes read from {@code file} (named in errors). */
  static Checkpoint decode(Path file, byte[] bytes) {
    if (bytes.length == 0) throw CheckpointException.corrupt(file, "the file is empty", null);
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw CheckpointException.corrupt(file, "not valid JSON (" + e.getOriginalMessage() + ")", e);
    }
    try {
      return parse(root);
    } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
      throw CheckpointException.corrupt(file, e.getMessage(), e);
    }
  }

  /**
   * Writes {@code checkpoint} atomically.
   *
   * @throws CheckpointException when it cannot be written (the previous file is left as it was)
   */
  void write(Checkpoint checkpoint) {
    try {
      Path dir = file.getParent();
      if (dir != null) Files.createDirectories(dir);
      try (FileChannel channel =
              FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
        try (JsonGenerator g = JSON.createGenerator(new NonClosing(out), JsonEncoding.UTF8)) {
          writeJson(g, checkpoint);
        }
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | JacksonException | SecurityException e) {
      throw CheckpointException.unwritable(file, e);
    }
  }

  private static void writeJson(JsonGenerator g, Checkpoint c) {
    g.writeStartObject();
    g.writeStringProperty("format", FORMAT);
    g.writeNumberProperty("version", VERSION);
    g.writeStringProperty("cursor", c.cursor().toString());
    g.writeStringProperty("written_at", c.writtenAt().toString());
    g.writeName("traces");
    g.writeStartArray();
    for (Checkpoint.TraceEntry t : c.traces()) {
      g.writeStartObject();
      g.writeStringProperty("id", t.traceId());
      g.writeNumberProperty("revision", t.revision());
      g.writeStringProperty("touched", t.touched().toString());
      g.writeStringProperty("held_since", t.heldSince().toString());
      g.writeName("held");
      g.writeStartArray();
      for (String h : t.held()) g.writeString(h);
      g.writeEndArray();
      g.writeName("delivered");
      g.writeStartObject();
      for (Map.Entry<String, Long> e : t.delivered().entrySet()) g.writeNumberProperty(e.getKey(), e.getValue());
      g.writeEndObject();
      g.writeName("spans");
      long[] spans = t.spanIds();
      g.writeArray(spans, 0, spans.length);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static Checkpoint parse(JsonNode root) {
    if (!root.isObject()) throw new IllegalArgumentException("expected a JSON object at the top");
    String format = text(root, "format");
    if (!format.equals(FORMAT)) throw new IllegalArgumentException("format is '" + format + "', expected '" + FORMAT + "'");
    JsonNode version = root.get("version");
    if (version == null || !version.isIntegralNumber() || version.asInt() != VERSION) {
      throw new IllegalArgumentException("version is " + version + ", expected " + VERSION);
    }
    Instant cursor = instant(root, "cursor");
    Instant writtenAt = instant(root, "written_at");
    JsonNode traces = root.get("traces");
    if (traces == null || !traces.isArray()) throw new IllegalArgumentException("'traces' is missing or not an array");
    List<Checkpoint.TraceEntry> entries = new ArrayList<>(traces.size());
    int i = 0;
    for (JsonNode t : traces) {
      String where = "traces[" + i++ + "]";
      if (!t.isObject()) throw new IllegalArgumentException(where + " is not an object");
      String id = text(t, "id");
      JsonNode rev = t.get("revision");
      if (rev == null || !rev.isIntegralNumber()) throw new IllegalArgumentException(where + ".revision is missing or not an integer");
      JsonNode held = t.get("held");
      if (held == null || !held.isArray()) throw new IllegalArgumentException(where + ".held is missing or not an array");
      Set<String> heldIds = new HashSet<>();
      for (JsonNode h : held) {
        if (!h.isString()) throw new IllegalArgumentException(where + ".held has a non-string id");
        heldIds.add(h.asString());
      }
      JsonNode delivered = t.get("delivered");
      if (delivered == null || !delivered.isObject()) throw new IllegalArgumentException(where + ".delivered is missing or not an object");
      Map<String, Long> deliveredIds = new HashMap<>();
      for (Map.Entry<String, JsonNode> e : delivered.properties()) {
        if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToLong()) {
          throw new IllegalArgumentException(where + ".delivered." + e.getKey() + " is not a 64-bit hash");
        }
        deliveredIds.put(e.getKey(), e.getValue().asLong());
      }
      JsonNode spans = t.get("spans");
      if (spans == null || !spans.isArray()) throw new IllegalArgumentException(where + ".spans is missing or not an array");
      long[] spanIds = new long[spans.size()];
      int n = 0;
      for (JsonNode s : spans) {
        if (!s.isIntegralNumber() || !s.canConvertToLong()) throw new IllegalArgumentException(where + ".spans has a non-64-bit id");
        spanIds[n++] = s.asLong();
      }
      entries.add(
          new Checkpoint.TraceEntry(
              id, rev.asInt(), deliveredIds, spanIds, heldIds, instant(t, "held_since"), instant(t, "touched")));
    }
    return new Checkpoint(cursor, writtenAt, entries);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isString() || v.asString().isEmpty()) {
      throw new IllegalArgumentException("'" + field + "' is missing or not a string");
    }
    return v.asString();
  }

  private static Instant instant(JsonNode node, String field) {
    String v = text(node, field);
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + field + "' is not an ISO-8601 instant: '" + v + "'");
    }
  }

  /** Keeps the generator from closing the channel before it is forced to disk. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
