package org.xraybridge.source.poll;

import java.io.IOException;
import java.io.OutputStream;

/** A source's checkpoint as bytes, for a {@link CheckpointStore} that keeps bytes. */
public interface CheckpointCodec<T> {

  /** What the checkpoint is, for messages ({@code "X-Ray checkpoint"}). */
  String name();

  void write(T checkpoint, OutputStream out) throws IOException;

  /**
   * @throws IllegalArgumentException saying what is wrong when the bytes are not exactly a checkpoint
   */
  T read(byte[] bytes);
}
