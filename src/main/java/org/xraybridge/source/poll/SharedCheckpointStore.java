package org.xraybridge.source.poll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import org.xraybridge.model.SharedValues;

/**
 * A checkpoint kept where every replica reads it ({@link SharedValues}: kafka mode's checkpoints topic),
 * so a source resumes from it on whichever replica polls it next. Until the first save, a checkpoint
 * in {@code seed} (the local file of single mode) is read, never written: a bridge moved to kafka mode
 * resumes where it stood. A deleted checkpoint is no checkpoint: the seed is not read again.
 */
public final class SharedCheckpointStore<T> implements CheckpointStore<T> {

  private final SharedValues values;
  private final String key;
  private final CheckpointCodec<T> codec;
  private final CheckpointStore<T> seed;

  /**
   * @param key the source's name: the value's key
   * @param seed read when the shared store has no value yet; never written
   */
  public SharedCheckpointStore(SharedValues values, String key, CheckpointCodec<T> codec, CheckpointStore<T> seed) {
    this.values = Objects.requireNonNull(values, "values == null");
    this.key = Objects.requireNonNull(key, "key == null");
    this.codec = Objects.requireNonNull(codec, "codec == null");
    this.seed = Objects.requireNonNull(seed, "seed == null");
  }

  @Override
  public Optional<T> load() {
    Optional<byte[]> bytes;
    try {
      bytes = values.load(key);
    } catch (IllegalStateException e) {
      throw new CheckpointException("Unreadable " + codec.name() + " at " + location() + ": " + e.getMessage(), e);
    }
    if (bytes.isEmpty()) return seed.load();
    // deleted on purpose (the operator's tombstone): start afresh, never from the old single-mode file
    if (bytes.get().length == 0) return Optional.empty();
    try {
      return Optional.of(codec.read(bytes.get()));
    } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
      throw new CheckpointException("Corrupt " + codec.name() + " at " + location() + ": " + e.getMessage()
          + ". The bridge does not reset the poll cursor by itself; write a tombstone for key " + key
          + " to start polling from now − lag", e);
    }
  }

  @Override
  public void checkWritable() {
    try {
      values.checkWritable();
    } catch (IllegalStateException e) {
      throw new CheckpointException("Unwritable " + codec.name() + " at " + location() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void save(T checkpoint) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      codec.write(checkpoint, out);
      values.save(key, out.toByteArray());
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("Unwritable " + codec.name() + " at " + location() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String location() {
    return values.location(key);
  }
}
