package org.xraybridge.source.poll;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.SharedValues;

/**
 * The single-mode file seeds a source's shared checkpoint only while the shared store never had one.
 * A deletion (a tombstone on the checkpoints topic: the documented way to restart a corrupt source
 * from now − lag) must not fall back to that old file, which would rewind the source to where the
 * bridge stood before it moved to kafka mode — on whichever replica still has the file.
 */
class SharedCheckpointStoreTest {

  /** The port's contract as kafka mode's topic keeps it: absent, a value, or deleted (an empty value). */
  private final Map<String, byte[]> kept = new HashMap<>();
  private final SharedValues values = new SharedValues() {
    @Override
    public Optional<byte[]> load(String key) {
      return Optional.ofNullable(kept.get(key));
    }

    @Override
    public void save(String key, byte[] value) {
      kept.put(key, value);
    }

    @Override
    public void checkWritable() {}

    @Override
    public String location(String key) {
      return "memory:" + key;
    }
  };

  private static final CheckpointCodec<String> TEXT = new CheckpointCodec<>() {
    @Override
    public String name() {
      return "text checkpoint";
    }

    @Override
    public void write(String checkpoint, OutputStream out) throws java.io.IOException {
      out.write(checkpoint.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String read(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  };

  private final CheckpointStore<String> oldFile = new CheckpointStore<>() {
    @Override
    public Optional<String> load() {
      return Optional.of("cursor of single mode, months ago");
    }

    @Override
    public void checkWritable() {}

    @Override
    public void save(String checkpoint) {
      throw new AssertionError("the seed is never written");
    }

    @Override
    public String location() {
      return "file";
    }
  };

  private final SharedCheckpointStore<String> store = new SharedCheckpointStore<>(values, "eu", TEXT, oldFile);

  @Test
  void neverSaved_readsTheSingleModeFile() {
    assertThat(store.load()).contains("cursor of single mode, months ago");
  }

  @Test
  void saved_readsTheSharedValue() {
    store.save("cursor now");
    assertThat(store.load()).contains("cursor now");
  }

  @Test
  void deleted_startsAfresh_withoutTheSingleModeFile() {
    store.save("corrupt");
    kept.put("eu", new byte[0]); // the operator's tombstone, as the topic reads it

    assertThat(store.load()).isEmpty();
  }
}
