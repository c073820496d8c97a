package org.xraybridge.source.poll;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint in a local file: written to a temporary file beside it, forced to disk, then renamed
 * over the old one (atomically where the file system can), so a crash leaves the old or the new
 * checkpoint, never half of one. A store may take over a file of an older layout ({@link #migrating}):
 * read when its own file does not exist yet, deleted once its own file was written. Not thread-safe:
 * a {@link CheckpointWriter} serialises saves.
 */
public final class FileCheckpointStore<T> implements CheckpointStore<T> {

  private static final Logger log = LoggerFactory.getLogger(FileCheckpointStore.class);

  private final Path file;
  private final Path temp;
  private final String key;
  private final CheckpointCodec<T> codec;
  /** The file of an older layout this store takes over; null when none. */
  private final Path legacy;
  /** The checkpoint was read from {@link #legacy}: delete it once {@link #file} is written. */
  private boolean migrating;

  /**
   * @param file where the checkpoint is kept
   * @param key the configuration key that names {@code file}, quoted in errors
   */
  public FileCheckpointStore(Path file, String key, CheckpointCodec<T> codec) {
    this(file, null, key, codec);
  }

  private FileCheckpointStore(Path file, Path legacy, String key, CheckpointCodec<T> codec) {
    this.file = file.toAbsolutePath().normalize();
    this.temp = this.file.resolveSibling(this.file.getFileName() + ".tmp");
    this.key = Objects.requireNonNull(key, "key == null");
    this.codec = Objects.requireNonNull(codec, "codec == null");
    this.legacy = legacy == null ? null : legacy.toAbsolutePath().normalize();
  }

  /**
   * A store at {@code file} that, while {@code file} does not exist, reads the checkpoint at
   * {@code legacy} (one written by an older layout), and deletes {@code legacy} once it has written
   * {@code file}: the checkpoint moves over without a gap, and a second start does not read it twice.
   */
  public static <T> FileCheckpointStore<T> migrating(Path file, Path legacy, String key, CheckpointCodec<T> codec) {
    Objects.requireNonNull(legacy, "legacy == null");
    return new FileCheckpointStore<>(file, legacy, key, codec);
  }

  @Override
  public String location() {
    return file.toString();
  }

  @Override
  public Optional<T> load() {
    Optional<T> own = load(file);
    if (own.isPresent() || legacy == null || legacy.equals(file)) return own;
    Optional<T> old = load(legacy);
    if (old.isPresent()) {
      migrating = true;
      log.info("Checkpoint {} does not exist yet: taking over {}, which is deleted once {} is written", file, legacy, file);
    }
    return old;
  }

  private Optional<T> load(Path from) {
    byte[] bytes;
    try {
      if (!Files.exists(from)) return Optional.empty();
      bytes = Files.readAllBytes(from);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | SecurityException e) {
      throw corrupt(from, "cannot read it (" + e + ")", e);
    }
    if (bytes.length == 0) throw corrupt(from, "the file is empty", null);
    try {
      return Optional.of(codec.read(bytes));
    } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
      throw corrupt(from, e.getMessage(), e);
    }
  }

  @Override
  public void checkWritable() {
    try {
      Path dir = file.getParent();
      if (dir != null) Files.createDirectories(dir);
      Path probe = file.resolveSibling(file.getFileName() + ".probe");
      Files.writeString(probe, "probe");
      Files.delete(probe);
      if (Files.exists(file) && !Files.isWritable(file)) throw new IOException("the file is not writable");
    } catch (IOException | SecurityException e) {
      throw unwritable(e);
    }
  }

  @Override
  public void save(T checkpoint) {
    try {
      Path dir = file.getParent();
      if (dir != null) Files.createDirectories(dir);
      try (FileChannel channel =
              FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          OutputStream out = Channels.newOutputStream(channel)) {
        codec.write(checkpoint, new NonClosing(out));
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      throw unwritable(e);
    }
    if (migrating) {
      try {
        Files.deleteIfExists(legacy);
        migrating = false;
        log.info("Checkpoint {} moved to {}", legacy, file);
      } catch (IOException | SecurityException e) {
        // the new file is written and read first from now on; the old one only lingers
        log.warn("Checkpoint {} was taken over by {} but could not be deleted ({}); delete it by hand", legacy, file, e.toString());
        migrating = false;
      }
    }
  }

  private CheckpointException corrupt(Path from, String what, Throwable cause) {
    return new CheckpointException(
        "Corrupt " + codec.name() + " file " + from + ": " + what
            + ". The bridge does not reset the poll cursor by itself; restore the file, or delete it to"
            + " start polling from now − lag (" + key + ")",
        cause);
  }

  private CheckpointException unwritable(Throwable cause) {
    return new CheckpointException(
        "Unwritable " + codec.name() + " file " + file + ": " + cause + ". Make its directory writable or point " + key
            + " elsewhere",
        cause);
  }

  /** Keeps the codec from closing the channel before it is forced to disk. */
  private static final class NonClosing extends FilterOutputStream {
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
