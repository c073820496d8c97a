package org.xraybridge.model;

import java.util.Optional;

/**
 * Small values kept by key where every replica reads them (kafka mode: a compacted topic), for state
 * that moves with a source from replica to replica — its checkpoint. Blocking, bounded calls, for a
 * thread that may block. Failures are {@link IllegalStateException}s whose message names where and why.
 */
public interface SharedValues {

  /**
   * The value last saved under {@code key}; empty when none ever was; an empty array when the last was
   * a deletion (a tombstone on kafka mode's topic), which a reader must not take for "never saved".
   */
  Optional<byte[]> load(String key);

  /** Saves {@code value} under {@code key}, returning once it is durable. */
  void save(String key, byte[] value);

  /** Fails now when {@link #save} could not succeed. */
  void checkWritable();

  /** Where {@code key}'s value is kept, for logs and status. */
  String location(String key);
}
